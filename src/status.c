#include "gru.h"

const char *gru_strerror(gru_status status) {
  switch (status) {
#define GRU__STATUS_MESSAGE(name, value, message) \
  case name: return message;
    GRU_STATUS_LIST(GRU__STATUS_MESSAGE)
#undef GRU__STATUS_MESSAGE
  }
  return "unknown status";
}

const char *gru_status_name(gru_status status) {
  switch (status) {
#define GRU__STATUS_NAME(name, value, message) \
  case name: return #name;
    GRU_STATUS_LIST(GRU__STATUS_NAME)
#undef GRU__STATUS_NAME
  }
  return "GRU_UNKNOWN";
}
