#include "gru.h"

unsigned gru_version_number(void) { return GRU_VERSION_NUMBER; }

const char *gru_version_string(void) { return GRU_VERSION_STRING; }
