/* load.h -- a GRU's shape and tensors, from a parsed safetensors file
 * into a builder. */
#ifndef GRU_LOAD_H
#define GRU_LOAD_H

#include "fileio.h"
#include "gru.h"
#include "safetensors.h"

/* Loads the GRU under prefix (NULL: the file's libgru.prefix, or "") from
 * st into b, all or nothing (gru_builder_load_safetensors() in gru.h has
 * the rules). The tensors go in slices of rows, in the order of the file,
 * so beyond the weights loading holds one slice (256 KiB of floats, or a
 * row if larger). map, if not NULL, is the mapping st lies in: each
 * slice's pages are released once copied. */
gru_status gru__load(gru_builder *b, const gru__st *st, const char *prefix, const gru__map *map);

#endif
