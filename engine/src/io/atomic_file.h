// Atomic file replacement inside the engine: the public kiln/file_writing.h.
#pragma once

#include "kiln/file_writing.h"
