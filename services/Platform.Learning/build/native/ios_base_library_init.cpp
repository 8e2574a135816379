// Provides std::ios_base_library_init() for libstdc++ older than GCC 13 (GLIBCXX_3.4.32).
// GCC 13 headers make every user of <iostream> call this function so the standard streams get initialised once;
// older libstdc++ does that initialisation through static std::ios_base::Init objects, which this function recreates.
#include <ios>

namespace std
{
__attribute__((visibility("default"))) void ios_base_library_init()
{
    static ios_base::Init initialiser;
}
}
