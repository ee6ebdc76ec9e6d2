// The one translation unit that compiles Asio and Beast (separate compilation keeps the rest of
// the build fast on two cores).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
