// The calibrated ranges an INT8 build needs, from what the command line gives: a calibration cache
// that matches the model, algorithm and data is reused; otherwise the model is calibrated on the
// --calib data (and the cache written when one is named); a cache given without data is used as it
// is, after checking that it was made for this model.
#pragma once

#include <map>
#include <string>

#include "kiln/calibration.h"
#include "options.h"

namespace kiln::cli {

// On failure prints the error and returns its exit code; prints what it did to standard output
// (warnings to standard error) and returns kExitSuccess otherwise. `weights` names a Caffe net's
// caffemodel (modelPath is then its prototxt), empty otherwise; a cache is then for both files.
int obtainCalibration(const std::string& modelPath, const std::string& weights, const ShapeMap& shapes,
                      const BuilderOptions& options, CalibrationTable& table);

// Ranges by tensor name (scale times 127), as BuilderConfig::dynamicRanges takes them.
std::map<std::string, float> dynamicRanges(const CalibrationTable& table);

}  // namespace kiln::cli
