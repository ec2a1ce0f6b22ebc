/* progress.h -- a progress bar on stderr for long runs: drawn only when
 * stderr is a terminal and the work has taken more than a second, so
 * pipes, logs and quick runs see nothing. */
#ifndef GRU_TOOL_PROGRESS_H
#define GRU_TOOL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct progress {
  bool tty, shown;
  double start, drawn;
  const char *label;
} progress;

void progress_start(progress *p, const char *label);

/* done of total units; redraws at most ten times a second. */
void progress_update(progress *p, size_t done, size_t total);

/* Erases the bar, if one was drawn. */
void progress_end(progress *p);

#endif
