#!/bin/sh
# Draws docs/performance.png from the sweep's data files (bench/json2md.py
# --plot-data DIR writes them) with Debian's gnuplot.
# Usage: bench/plot.sh DATA_DIR OUTPUT.png
set -eu
here=$(dirname "$0")
gnuplot -e "datadir='$1'; outfile='$2'" "$here/plot.gp"
