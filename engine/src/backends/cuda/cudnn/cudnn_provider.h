// cuDNN's graph (backend) API as a tactic provider ("cudnn"): convolutions and deconvolutions.
#pragma once

#include "tactics/tactic.h"

namespace kiln::cuda {

const tactics::TacticProvider& cudnnProvider();

}  // namespace kiln::cuda
