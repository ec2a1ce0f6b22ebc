# Warnings for our own targets only; -Werror when GRU_WERROR is on (the
# presets and CI turn it on; packagers' builds keep working with newer
# compilers' new warnings).
add_library(gru_warnings INTERFACE)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(gru_warnings INTERFACE
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla)
  if(GRU_WERROR)
    target_compile_options(gru_warnings INTERFACE -Werror)
  endif()
endif()
