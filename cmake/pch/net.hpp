// Precompiled for the network layers (Asio, Beast, URL) on top of the JSON header.
#pragma once
#include "json.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
