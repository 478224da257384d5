// JSON <-> C++ for every type the schema builder knows. Decoding follows the SchemaNode tree
// (it picks oneOf branches with it); it expects input that already passed validation and
// throws bb::DecodeError on anything it cannot map.
#pragma once

#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cmath>
#include <stdexcept>

#include "bunbase/schema/detail/traits.hpp"
#include "bunbase/schema/node.hpp"

namespace bb {

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {

[[noreturn]] void throw_decode_error(std::string_view expected, const boost::json::value& v);

inline std::int64_t decode_int(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && std::trunc(v.get_double()) == v.get_double() &&
      std::abs(v.get_double()) < 9.2e18)
    return static_cast<std::int64_t>(v.get_double());
  throw_decode_error("an integer", v);
}

inline double decode_double(const boost::json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  throw_decode_error("a number", v);
}

template <class T>
void decode(const SchemaNode& n, const boost::json::value& v, T& out);

template <class T>
void decode(const SchemaNode& n, const boost::json::value& v, std::optional<T>& out) {
  if (v.is_null()) {
    out.reset();
  } else {
    decode(n, v, out.emplace());
  }
}

template <class T>
void decode(const SchemaNode& n, const boost::json::value& v, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v.is_bool()) out = v.get_bool();
    else if (v.is_int64()) out = v.get_int64() != 0;  // SQLite stores booleans as 0/1
    else throw_decode_error("a boolean", v);
  } else if constexpr (is_string_type<T>::value) {
    if (!v.is_string()) throw_decode_error("a string", v);
    out.assign(v.get_string().data(), v.get_string().size());
  } else if constexpr (PlainInteger<T>) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
      if (v.is_uint64()) {
        out = v.get_uint64();
        return;
      }
    }
    out = static_cast<T>(decode_int(v));
  } else if constexpr (is_int_type<T>::value) {
    out.value = decode_int(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    out = static_cast<T>(decode_double(v));
  } else if constexpr (is_number_type<T>::value) {
    out.value = decode_double(v);
  } else if constexpr (std::is_same_v<T, boost::json::value>) {
    out = v;
  } else if constexpr (DescribedEnum<T>) {
    if (!v.is_string() || !boost::describe::enum_from_string(v.get_string().c_str(), out))
      throw_decode_error("one of the enumeration's names", v);
  } else if constexpr (is_map_type<T>::value) {
    if (!v.is_object()) throw_decode_error("an object", v);
    out.clear();
    for (const auto& kv : v.get_object())
      decode(*n.items, kv.value(), out[std::string(kv.key())]);
  } else if constexpr (is_array_type<T>::value) {
    if (!v.is_array()) throw_decode_error("an array", v);
    const auto& a = v.get_array();
    out.clear();
    out.resize(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      if constexpr (std::is_same_v<typename T::value_type, bool>) {
        bool b = false;  // std::vector<bool> hands out proxies, not bool&
        decode(*n.items, a[i], b);
        out[i] = b;
      } else {
        decode(*n.items, a[i], out[i]);
      }
    }
  } else if constexpr (is_instance<T, std::variant>::value) {
    bool done = false;
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<std::variant_size_v<T>>>([&](auto i) {
      if (done || !matches(*n.alternatives[i], v)) return;
      decode(*n.alternatives[i], v, out.template emplace<i>());
      done = true;
    });
    if (!done) throw_decode_error("a value matching one of the alternatives", v);
  } else if constexpr (DescribedStruct<T>) {
    if (!v.is_object()) throw_decode_error("an object", v);
    const auto& o = v.get_object();
    std::size_t i = 0;
    boost::mp11::mp_for_each<public_members<T>>([&](auto m) {
      const SchemaNode& child = *n.properties[i++].node;
      auto& field = out.*m.pointer;
      if (const auto* p = o.if_contains(m.name)) {
        decode(child, *p, field);
      } else if constexpr (is_instance<std::remove_cvref_t<decltype(field)>,
                                       std::optional>::value) {
        field.reset();
      } else {
        throw DecodeError(std::string("missing property \"") + m.name + "\"");
      }
    });
  }
}

template <class T>
void encode(const T& in, boost::json::value& out) {
  if constexpr (is_instance<T, std::optional>::value) {
    if (in) encode(*in, out);
    else out.emplace_null();
  } else if constexpr (std::is_same_v<T, bool>) {
    out = in;
  } else if constexpr (is_string_type<T>::value) {
    out.emplace_string().assign(in.data(), in.size());
  } else if constexpr (PlainInteger<T>) {
    if constexpr (std::is_unsigned_v<T>) out = static_cast<std::uint64_t>(in);
    else out = static_cast<std::int64_t>(in);
  } else if constexpr (is_int_type<T>::value) {
    out = in.value;
  } else if constexpr (std::is_floating_point_v<T>) {
    out = static_cast<double>(in);
  } else if constexpr (is_number_type<T>::value) {
    out = in.value;
  } else if constexpr (std::is_same_v<T, boost::json::value>) {
    out = in;
  } else if constexpr (DescribedEnum<T>) {
    const char* name = boost::describe::enum_to_string(in, nullptr);
    if (name) out = boost::json::string_view(name);
    else out.emplace_null();  // not a declared enumerator: output validation reports it
  } else if constexpr (is_map_type<T>::value) {
    auto& o = out.emplace_object();
    o.reserve(in.size());
    for (const auto& [k, val] : in) encode(val, o[k]);
  } else if constexpr (is_array_type<T>::value) {
    auto& a = out.emplace_array();
    a.resize(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) encode(in[i], a[i]);
  } else if constexpr (is_instance<T, std::variant>::value) {
    std::visit([&](const auto& alt) { encode(alt, out); }, in);
  } else if constexpr (DescribedStruct<T>) {
    auto& o = out.emplace_object();
    o.reserve(boost::mp11::mp_size<public_members<T>>::value);
    boost::mp11::mp_for_each<public_members<T>>([&](auto m) {
      const auto& field = in.*m.pointer;
      if constexpr (is_instance<std::remove_cvref_t<decltype(field)>, std::optional>::value) {
        if (!field) return;  // absent, not null
      }
      encode(field, o[m.name]);
    });
  } else {
    static_assert(sizeof(T) == 0, "bunbase: this type cannot be encoded to JSON");
  }
}

}  // namespace detail
}  // namespace bb
