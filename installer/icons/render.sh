#!/usr/bin/env bash
# Renders the icon's PNG sizes for the hicolor theme from the SVG (needs rsvg-convert, from librsvg2-bin).
# Run it after changing the SVG and commit the PNGs: the build itself does not render them.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256; do
    rsvg-convert -w "$size" -h "$size" io.github.kiln.Workbench.svg -o "io.github.kiln.Workbench-$size.png"
done
