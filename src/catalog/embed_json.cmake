# cmake -DIN=<json> -DOUT=<.cc> -P embed_json.cmake
# Writes a C++ source defining suanli::catalog::internal::kAcceleratorsJson as a raw string.
file(READ "${IN}" content)
string(FIND "${content}" ")suanli_json\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
set(text "// Generated from ${IN} by embed_json.cmake. Do not edit.\n")
string(APPEND text "#include <string_view>\n\n")
string(APPEND text "namespace suanli::catalog::internal {\n")
string(APPEND text "extern const std::string_view kAcceleratorsJson;\n")
string(APPEND text "const std::string_view kAcceleratorsJson = R\"suanli_json(${content})suanli_json\";\n")
string(APPEND text "}  // namespace suanli::catalog::internal\n")
file(WRITE "${OUT}" "${text}")
