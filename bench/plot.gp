# gnuplot script for docs/performance.png: time per step against H at
# B = 1, and against B at H = 512 (2 threads, reset-after), from the data
# files bench/json2md.py writes. Run by bench/plot.sh.
set terminal pngcairo size 1200,480 font ",10"
set output outfile
set multiplot layout 1,2
set logscale xy
set grid
set key top left
set ylabel "µs per step (median)"
set style data linespoints
set title "Batch 1: time per step against H (I = H)"
set xlabel "H"
plot datadir."/sweep_h.dat" using 1:2 title "libgru" lw 2 pt 7, \
     "" using 1:3 title "oneDNN lbr\\_gru" pt 5, \
     "" using 1:4 title "PyTorch nn.GRU" pt 9
set title "H = I = 512: time per step against the batch"
set xlabel "B"
plot datadir."/sweep_b.dat" using 1:2 title "libgru" lw 2 pt 7, \
     "" using 1:3 title "oneDNN lbr\\_gru" pt 5, \
     "" using 1:4 title "PyTorch nn.GRU" pt 9
unset multiplot
