# Writes OUT: a C++ file holding each JSON file of FILES as a string (the compatibility knowledge).
set(text "// Generated from src/compat/data/*.json by src/compat/embed.cmake. Do not edit.\n#include <string_view>\n#include <vector>\nnamespace skbridge::compat {\nconst std::vector<std::string_view>& EmbeddedKnowledge() {\n  static const std::vector<std::string_view> kFiles = {\n")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f IN LISTS FILES)
  file(READ "${f}" content)
  string(APPEND text "    R\"skbridge(${content})skbridge\",\n")
endforeach()
string(APPEND text "  };\n  return kFiles;\n}\n}  // namespace skbridge::compat\n")
file(WRITE "${OUT}" "${text}")
