#!/usr/bin/python3
"""Makes the trained glyph classifier that the precision tests (FP16, INT8) measure accuracy on: a
small CNN with learned weights, where a model with random weights would say nothing about accuracy.

It renders its own data set with Pillow and twelve DejaVu fonts (Debian's fonts-dejavu-core and
fonts-dejavu-extra): the ten digits and 26 capital letters, 32x32 grayscale, each image with a random
font, size, stroke width, rotation (within 15 degrees), position, contrast and Gaussian noise. Every
image is drawn from its own random generator keyed by (seed, split, index), so the data is fully
determined by the seed (with Debian 12's Pillow and FreeType), and the training, held-out and
calibration splits are drawn from different keys (and checked to share no image). It trains the CNN
with PyTorch on the CPU (under five minutes on two cores) and writes, into the output folder:

  glyphs.onnx           the model (opset 13), input "input" [batch,1,32,32], output "logits" [batch,36]
  eval_images.npy       held-out images, float32 [N,1,32,32], already normalized
  eval_labels.npy       their classes, int64 [N]
  calib/batch_NNN.npy   calibration batches, float32 [32,1,32,32] each, normalized, from their own split
  glyphs.txt            classes, preprocessing, seed, PyTorch top-1 and the command that made the files

The outputs are committed, so tests do not need PyTorch; run this again only to change the model. The
float32 images are the largest part of the folder, which is why only part of the held-out set ships.

usage: make_glyph_classifier.py [--output DIR] [--seed N]
"""

import argparse
import hashlib
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Several families, weights and slants; ExtraLight is left out because its hairline strokes vanish
# at 32x32, and DejaVuMathTeXGyre because it is not one of the DejaVu designs.
FONT_NAMES = [
    "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique",
    "DejaVuSansCondensed", "DejaVuSansCondensed-Bold",
    "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerifCondensed",
    "DejaVuSansMono", "DejaVuSansMono-Bold",
]
CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
IMAGE_SIZE = 32
# Glyphs are drawn at twice the final size and box-filtered down, which anti-aliases them.
SUPERSAMPLE = 2
MAX_ROTATION_DEGREES = 15.0
MAX_SHIFT_PIXELS = 4

SPLITS = {"train": 0, "heldout": 1, "calib": 2}
TRAIN_IMAGES = 36 * 700
HELDOUT_IMAGES = 5000
# 1000 float32 images would be 4 MB on their own; 500 keep the folder small and still resolve 0.2
# points of top-1.
EVAL_IMAGES = 500
CALIB_BATCHES = 10
CALIB_BATCH_SIZE = 32

EPOCHS = 6
BATCH_SIZE = 128
PEAK_LEARNING_RATE = 0.1
WEIGHT_DECAY = 5e-4
THREADS = 2


def required_fonts():
    """All of FONT_NAMES: with fewer the same seed would render other images."""
    paths = [FONT_DIR / f"{name}.ttf" for name in FONT_NAMES]
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        sys.exit(f"missing {', '.join(missing)} in {FONT_DIR}: "
                 "apt-get install fonts-dejavu-core fonts-dejavu-extra")
    return paths


class GlyphRenderer:
    """Draws one character as a 32x32 uint8 image, all its variation taken from the generator given."""

    def __init__(self, font_paths):
        self.font_paths = font_paths
        self.fonts = {}

    def font(self, path, size):
        key = (path, size)
        if key not in self.fonts:
            self.fonts[key] = ImageFont.truetype(str(path), size)
        return self.fonts[key]

    def render(self, character, rng):
        big = IMAGE_SIZE * SUPERSAMPLE
        font_path = self.font_paths[rng.integers(len(self.font_paths))]
        # Cap heights of about 12 to 19 pixels in the final image.
        size = int(rng.integers(17 * SUPERSAMPLE, 26 * SUPERSAMPLE + 1))
        stroke = int(rng.integers(0, SUPERSAMPLE + 1))
        angle = float(rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES))

        canvas = Image.new("L", (big * 3 // 2, big * 3 // 2), 0)
        centre = canvas.size[0] // 2
        ImageDraw.Draw(canvas).text((centre, centre), character, fill=255, font=self.font(font_path, size),
                                    anchor="mm", stroke_width=stroke, stroke_fill=255)
        canvas = canvas.rotate(angle, resample=Image.BILINEAR)
        glyph = canvas.crop(canvas.getbbox())

        # The glyph keeps a margin of two (final) pixels and moves at most MAX_SHIFT_PIXELS, less
        # where a large glyph has no room, so that no part of it is cut off.
        margin = 2 * SUPERSAMPLE
        if max(glyph.size) > big - 2 * margin:
            scale = (big - 2 * margin) / max(glyph.size)
            glyph = glyph.resize((max(1, round(glyph.size[0] * scale)), max(1, round(glyph.size[1] * scale))),
                                 Image.BILINEAR)
        width, height = glyph.size
        room_x = max(0, min(MAX_SHIFT_PIXELS * SUPERSAMPLE, (big - width) // 2 - margin))
        room_y = max(0, min(MAX_SHIFT_PIXELS * SUPERSAMPLE, (big - height) // 2 - margin))
        x = (big - width) // 2 + int(rng.integers(-room_x, room_x + 1))
        y = (big - height) // 2 + int(rng.integers(-room_y, room_y + 1))
        image = Image.new("L", (big, big), 0)
        image.paste(glyph, (x, y))
        coverage = np.asarray(image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BOX), dtype=np.float64) / 255.0

        background = rng.uniform(0.0, 0.35)
        foreground = rng.uniform(max(background + 0.3, 0.55), 1.0)
        noise = rng.normal(0.0, rng.uniform(0.0, 0.08), coverage.shape)
        pixels = background + (foreground - background) * coverage + noise
        return np.clip(np.round(pixels * 255.0), 0, 255).astype(np.uint8)


def render_split(renderer, seed, split, count):
    """count images of one split, classes in turn; image i depends only on (seed, split, i)."""
    images = np.empty((count, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    labels = np.arange(count, dtype=np.int64) % len(CLASSES)
    for index in range(count):
        rng = np.random.default_rng([seed, SPLITS[split], index])
        images[index] = renderer.render(CLASSES[labels[index]], rng)
    return images, labels


def check_disjoint(splits):
    seen = {}
    for name, images in splits.items():
        for image in images:
            digest = hashlib.sha1(image.tobytes()).digest()
            if seen.setdefault(digest, name) != name:
                sys.exit(f"an image of the {name} split is also in the {seen[digest]} split")


def normalize(images, mean, std):
    return ((images.astype(np.float32) / 255.0 - mean) / std).astype(np.float32)[:, None, :, :]


def conv_block(in_channels, out_channels):
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True)]


def make_model():
    return nn.Sequential(
        *conv_block(1, 16), *conv_block(16, 32), nn.MaxPool2d(2),
        *conv_block(32, 64), nn.MaxPool2d(2),
        *conv_block(64, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, len(CLASSES)))


def train(model, images, labels, seed):
    inputs = torch.from_numpy(images)
    targets = torch.from_numpy(labels)
    steps_per_epoch = (len(inputs) + BATCH_SIZE - 1) // BATCH_SIZE
    optimizer = torch.optim.SGD(model.parameters(), lr=PEAK_LEARNING_RATE, momentum=0.9, nesterov=True,
                                weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=PEAK_LEARNING_RATE, epochs=EPOCHS,
                                                   steps_per_epoch=steps_per_epoch)
    order = torch.Generator().manual_seed(seed)
    for epoch in range(EPOCHS):
        model.train()
        start = time.monotonic()
        total_loss = 0.0
        correct = 0
        for batch in torch.randperm(len(inputs), generator=order).split(BATCH_SIZE):
            logits = model(inputs[batch])
            loss = nn.functional.cross_entropy(logits, targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(1) == targets[batch]).sum())
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total_loss / len(inputs):.4f}, "
              f"training top-1 {100.0 * correct / len(inputs):.2f}%, {time.monotonic() - start:.1f} s", flush=True)


def predict(model, images):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(batch).argmax(1) for batch in torch.from_numpy(images).split(500)]).numpy()


def top1(predictions, labels):
    return 100.0 * float(np.mean(predictions == labels))


def export_onnx(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE), str(path), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)


def describe(path, *, seed, mean, std, fonts, heldout_top1, eval_top1, train_seconds, command):
    classes = "\n".join(f"  {index:2d} -> {character}" for index, character in enumerate(CLASSES))
    path.write_text(f"""\
Glyph classifier: a small CNN trained on synthetic 32x32 grayscale renderings of digits and capital
letters (DejaVu fonts), for measuring the accuracy of reduced-precision (FP16, INT8) builds.

model: glyphs.onnx (ONNX opset 13), input "input" float32 [batch,1,32,32], output "logits" float32 [batch,{len(CLASSES)}]
architecture: conv3x3(16)+BN+ReLU, conv3x3(32)+BN+ReLU, maxpool 2, conv3x3(64)+BN+ReLU, maxpool 2,
  conv3x3(64)+BN+ReLU, global average pool, linear({len(CLASSES)}); the export folds BN into the convolutions
preprocessing: pixel in [0,255] -> (pixel / 255 - mean) / std, with mean = {mean} and std = {std}
  (the training set's statistics, rounded); light glyph on a darker background
classes: {len(CLASSES)}, the predicted index is argmax(logits):
{classes}

seed: {seed}
fonts: {", ".join(path.stem for path in fonts)}
data: per image a random font, size, stroke width, rotation within {MAX_ROTATION_DEGREES:g} degrees, shift within
  {MAX_SHIFT_PIXELS} pixels, contrast and Gaussian noise; training {TRAIN_IMAGES} images, held-out {HELDOUT_IMAGES},
  calibration {CALIB_BATCHES * CALIB_BATCH_SIZE}, three disjoint splits
eval_images.npy / eval_labels.npy: the first {EVAL_IMAGES} held-out images, float32 [{EVAL_IMAGES},1,32,32] normalized, int64 [{EVAL_IMAGES}]
calib/batch_000.npy ...: {CALIB_BATCHES} calibration batches, float32 [{CALIB_BATCH_SIZE},1,32,32] normalized, not in the held-out set
training: {EPOCHS} epochs, SGD with Nesterov momentum, one-cycle learning rate up to {PEAK_LEARNING_RATE},
  batch {BATCH_SIZE}, on {THREADS} CPU threads in {train_seconds:.0f} s (wall clock) with PyTorch {torch.__version__}

pytorch_top1_heldout: {heldout_top1:.2f}
pytorch_top1_eval_images: {eval_top1:.2f}
(top-1 in percent: over all {HELDOUT_IMAGES} held-out images, and over the {EVAL_IMAGES} in eval_images.npy, which is
what check_accuracy.py compares kiln with)

made by (from the repository root): {command}
""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE, help="folder for the model and data (default: here)")
    parser.add_argument("--seed", type=int, default=20240613)
    args = parser.parse_args()
    started = time.monotonic()
    torch.manual_seed(args.seed)
    torch.set_num_threads(THREADS)

    fonts = required_fonts()
    renderer = GlyphRenderer(fonts)
    train_images, train_labels = render_split(renderer, args.seed, "train", TRAIN_IMAGES)
    heldout_images, heldout_labels = render_split(renderer, args.seed, "heldout", HELDOUT_IMAGES)
    calib_images, _ = render_split(renderer, args.seed, "calib", CALIB_BATCHES * CALIB_BATCH_SIZE)
    check_disjoint({"train": train_images, "heldout": heldout_images, "calib": calib_images})
    print(f"rendered {TRAIN_IMAGES + HELDOUT_IMAGES + len(calib_images)} images with {len(fonts)} fonts "
          f"in {time.monotonic() - started:.1f} s", flush=True)

    pixels = train_images.astype(np.float64) / 255.0
    mean = round(float(pixels.mean()), 4)
    std = round(float(pixels.std()), 4)
    model = make_model()
    train_start = time.monotonic()
    train(model, normalize(train_images, mean, std), train_labels, args.seed)
    train_seconds = time.monotonic() - train_start

    heldout = normalize(heldout_images, mean, std)
    predictions = predict(model, heldout)
    heldout_top1 = top1(predictions, heldout_labels)
    eval_top1 = top1(predictions[:EVAL_IMAGES], heldout_labels[:EVAL_IMAGES])
    print(f"PyTorch top-1: {heldout_top1:.2f}% on {HELDOUT_IMAGES} held-out images, "
          f"{eval_top1:.2f}% on the {EVAL_IMAGES} shipped", flush=True)

    output = args.output
    (output / "calib").mkdir(parents=True, exist_ok=True)
    export_onnx(model, output / "glyphs.onnx")
    np.save(output / "eval_images.npy", heldout[:EVAL_IMAGES])
    np.save(output / "eval_labels.npy", heldout_labels[:EVAL_IMAGES])
    calib = normalize(calib_images, mean, std)
    for index in range(CALIB_BATCHES):
        np.save(output / "calib" / f"batch_{index:03d}.npy",
                calib[index * CALIB_BATCH_SIZE:(index + 1) * CALIB_BATCH_SIZE])
    script = Path(__file__).resolve().relative_to(REPO_ROOT)
    command = " ".join(shlex.quote(str(part)) for part in ["/usr/bin/python3", script, *sys.argv[1:]])
    describe(output / "glyphs.txt", seed=args.seed, mean=mean, std=std, fonts=fonts, heldout_top1=heldout_top1,
             eval_top1=eval_top1, train_seconds=train_seconds, command=command)
    print(f"wrote {output} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
