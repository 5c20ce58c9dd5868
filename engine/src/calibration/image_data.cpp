// Calibration data from a folder of images: decoded with stb_image (Debian's libstb), resized,
// centre-cropped, normalized and laid out as the network input wants, one batch at a time.
#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "kiln/calibration.h"

namespace kiln {

namespace {

struct Image {
    int width = 0;
    int height = 0;
    std::vector<float> rgb;  // [height][width][3], 0 to 255
};

Result<Image> decode(const std::string& path) {
    int width = 0, height = 0, channels = 0;
    stbi_uc* pixels = stbi_load(path.c_str(), &width, &height, &channels, 3);
    if (!pixels) {
        return invalidArgument("the calibration image '" + path + "' cannot be decoded (" + stbi_failure_reason() +
                               "); remove it or replace it with a PNG, JPEG or BMP file");
    }
    Image image{width, height, std::vector<float>(size_t(width) * size_t(height) * 3)};
    std::transform(pixels, pixels + image.rgb.size(), image.rgb.begin(), [](stbi_uc v) { return float(v); });
    stbi_image_free(pixels);
    return image;
}

// Bilinear resampling with half-pixel centres (as image libraries do without antialiasing).
Image resized(const Image& image, int width, int height) {
    if (width == image.width && height == image.height) return image;
    Image out{width, height, std::vector<float>(size_t(width) * size_t(height) * 3)};
    const float sx = float(image.width) / float(width);
    const float sy = float(image.height) / float(height);
    for (int y = 0; y < height; ++y) {
        const float fy = std::clamp((float(y) + 0.5f) * sy - 0.5f, 0.0f, float(image.height - 1));
        const int y0 = int(fy);
        const int y1 = std::min(y0 + 1, image.height - 1);
        const float wy = fy - float(y0);
        for (int x = 0; x < width; ++x) {
            const float fx = std::clamp((float(x) + 0.5f) * sx - 0.5f, 0.0f, float(image.width - 1));
            const int x0 = int(fx);
            const int x1 = std::min(x0 + 1, image.width - 1);
            const float wx = fx - float(x0);
            for (int c = 0; c < 3; ++c) {
                auto at = [&](int yy, int xx) { return image.rgb[(size_t(yy) * size_t(image.width) + size_t(xx)) * 3 + size_t(c)]; };
                const float top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
                const float bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
                out.rgb[(size_t(y) * size_t(width) + size_t(x)) * 3 + size_t(c)] = top * (1 - wy) + bottom * wy;
            }
        }
    }
    return out;
}

class ImageCalibrationData final : public ICalibrationData {
public:
    ImageCalibrationData(std::vector<std::string> files, std::string inputName, Dims dims, ImagePreprocessing preprocessing,
                         std::string description)
        : m_files(std::move(files)), m_inputName(std::move(inputName)), m_dims(std::move(dims)),
          m_preprocessing(preprocessing), m_description(std::move(description)) {}

    int batchCount() const override { return int(int64_t(m_files.size()) / m_dims[0]); }

    Result<TensorMap> batch(int index) override {
        const bool nhwc = m_preprocessing.nhwc;
        const int64_t n = m_dims[0];
        const int64_t channels = nhwc ? m_dims[3] : m_dims[1];
        const int64_t height = nhwc ? m_dims[1] : m_dims[2];
        const int64_t width = nhwc ? m_dims[2] : m_dims[3];
        HostTensor tensor(DataType::Float32, m_dims);
        for (int64_t b = 0; b < n; ++b) {
            const std::string& file = m_files[size_t(index * n + b)];
            KILN_ASSIGN_OR_RETURN(Image image, decode(file));
            if (m_preprocessing.resize > 0) {
                const float scale = float(m_preprocessing.resize) / float(std::min(image.width, image.height));
                image = resized(image, std::max(1, int(std::lround(image.width * scale))),
                                std::max(1, int(std::lround(image.height * scale))));
            }
            if (image.width < width || image.height < height) {
                image = resized(image, std::max<int>(image.width, int(width)), std::max<int>(image.height, int(height)));
            }
            const int64_t top = (image.height - height) / 2;
            const int64_t left = (image.width - width) / 2;
            for (int64_t y = 0; y < height; ++y) {
                for (int64_t x = 0; x < width; ++x) {
                    const float* pixel = &image.rgb[(size_t(top + y) * size_t(image.width) + size_t(left + x)) * 3];
                    for (int64_t c = 0; c < channels; ++c) {
                        float value;
                        if (channels == 1) {
                            value = (pixel[0] + pixel[1] + pixel[2]) / 3.0f / 255.0f;
                        } else {
                            const int64_t source = m_preprocessing.bgr ? 2 - c : c;
                            value = pixel[source] / 255.0f;
                        }
                        const size_t channel = size_t(std::min<int64_t>(c, 2));
                        value = (value - m_preprocessing.mean[channel]) / m_preprocessing.std[channel];
                        const int64_t at = nhwc ? ((b * height + y) * width + x) * channels + c
                                                : ((b * channels + c) * height + y) * width + x;
                        tensor.data<float>()[at] = value;
                    }
                }
            }
        }
        return TensorMap{{m_inputName, std::move(tensor)}};
    }

    std::string preprocessing() const override { return m_description; }

private:
    std::vector<std::string> m_files;
    std::string m_inputName;
    Dims m_dims;
    ImagePreprocessing m_preprocessing;
    std::string m_description;
};

}  // namespace

std::string ImagePreprocessing::describe() const {
    char text[256];
    std::snprintf(text, sizeof text, "resize %d, centre crop, /255, mean %g,%g,%g, std %g,%g,%g, %s, %s", resize,
                  double(mean[0]), double(mean[1]), double(mean[2]), double(std[0]), double(std[1]), double(std[2]),
                  bgr ? "BGR" : "RGB", nhwc ? "NHWC" : "NCHW");
    return text;
}

Result<std::unique_ptr<ICalibrationData>> imageCalibrationData(const std::string& folder, const std::string& inputName,
                                                              const Dims& dims, const ImagePreprocessing& preprocessing) {
    namespace fs = std::filesystem;
    if (dims.size() != 4) {
        return invalidArgument("image calibration needs a 4-D input; '" + inputName + "' is " + toString(dims));
    }
    const int64_t channels = preprocessing.nhwc ? dims[3] : dims[1];
    if (channels != 1 && channels != 3) {
        return invalidArgument("image calibration feeds 1 or 3 channels; '" + inputName + "' has " +
                               std::to_string(channels) + (preprocessing.nhwc ? "" : " (NHWC inputs need --calibNhwc)"));
    }
    std::error_code error;
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
        std::string extension = entry.path().extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (entry.is_regular_file() &&
            (extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".bmp")) {
            files.push_back(entry.path().string());
        }
    }
    if (error) return ioError("cannot read the calibration folder '" + folder + "': " + error.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        return invalidArgument("the calibration folder '" + folder + "' holds no image (.png, .jpg, .jpeg, .bmp) and no .npy file");
    }
    if (int64_t(files.size()) < dims[0]) {
        return invalidArgument("the calibration folder '" + folder + "' holds " + std::to_string(files.size()) +
                               " images, fewer than one batch of " + std::to_string(dims[0]));
    }
    // Every image of the batches is decoded once now, so that a bad file never costs a half-done run.
    const size_t used = size_t(int64_t(files.size()) / dims[0] * dims[0]);
    for (size_t i = 0; i < used; ++i) KILN_RETURN_IF_ERROR(decode(files[i]).status());
    files.resize(used);
    const std::string description = "images " + folder + " (" + std::to_string(used) + " in batches of " +
                                    std::to_string(dims[0]) + ": " + preprocessing.describe() + ")";
    return std::unique_ptr<ICalibrationData>(
        std::make_unique<ImageCalibrationData>(std::move(files), inputName, dims, preprocessing, description));
}

}  // namespace kiln
