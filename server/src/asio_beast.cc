// The one translation unit that compiles Asio and Beast (separate compilation keeps the rest of
// the build fast on two cores).
//
// GCC 12 with -fsanitize=address reports a false -Wmaybe-uninitialized inside Beast's HTTP
// parser (boost::optional in basic_parser.hpp); it is third-party code, so the warning is
// silenced here only, where that code is compiled.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
#pragma GCC diagnostic pop
