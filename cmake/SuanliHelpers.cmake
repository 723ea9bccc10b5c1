# One helper per target kind (after Abseil's AbseilHelpers.cmake).
# Includes are rooted at src/: #include "core/status.h".

# suanli_library(NAME name SRCS ... DEPS ...)
function(suanli_library)
  cmake_parse_arguments(L "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${L_NAME} STATIC ${L_SRCS})
  target_include_directories(${L_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${L_NAME} PUBLIC ${L_DEPS})
endfunction()

# suanli_test(NAME name SRCS ... DEPS ... LABELS unit|integration|pg|scenario ...)
function(suanli_test)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
                       ENVIRONMENT "SUANLI_BIN=${PROJECT_BINARY_DIR}/suanli;SUANLI_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# suanli_benchmark(NAME name SRCS ... DEPS ...) — Google Benchmark binaries, not run by ctest.
function(suanli_benchmark)
  cmake_parse_arguments(B "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${B_NAME} ${B_SRCS})
  target_link_libraries(${B_NAME} PRIVATE ${B_DEPS} benchmark::benchmark)
endfunction()
