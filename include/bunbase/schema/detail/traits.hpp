// Type classification shared by the schema builder and the codec.
#pragma once

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bunbase/schema/types.hpp"

namespace bb::detail {

template <class T, template <class...> class Tmpl>
struct is_instance : std::false_type {};
template <template <class...> class Tmpl, class... A>
struct is_instance<Tmpl<A...>, Tmpl> : std::true_type {};

template <class T> struct is_string_type : std::false_type {};
template <> struct is_string_type<std::string> : std::true_type {};
template <class... C> struct is_string_type<String<C...>> : std::true_type {};
template <class T> struct is_string_type<Secret<T>> : is_string_type<T> {};

template <class T> struct is_int_type : std::false_type {};
template <class... C> struct is_int_type<Int<C...>> : std::true_type {};
template <class T> struct is_number_type : std::false_type {};
template <class... C> struct is_number_type<Number<C...>> : std::true_type {};

template <class T> struct is_array_type : std::false_type {};
template <class T, class A> struct is_array_type<std::vector<T, A>> : std::true_type {};
template <class T, class... C> struct is_array_type<Array<T, C...>> : std::true_type {};

template <class T> struct is_map_type : std::false_type {};
template <class V, class C, class A>
struct is_map_type<std::map<std::string, V, C, A>> : std::true_type {};
template <class V, class H, class E, class A>
struct is_map_type<std::unordered_map<std::string, V, H, E, A>> : std::true_type {};

template <class T>
concept DescribedStruct = boost::describe::has_describe_members<T>::value && std::is_class_v<T>;
template <class T>
concept DescribedEnum = boost::describe::has_describe_enumerators<T>::value;
template <class T>
concept PlainInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// A struct opts in to unknown properties with `static constexpr bool allow_unknown_properties = true;`
template <class T>
constexpr bool allows_unknown_properties() {
  if constexpr (requires { T::allow_unknown_properties; }) return T::allow_unknown_properties;
  else return false;
}

template <class T>
using public_members = boost::describe::describe_members<T, boost::describe::mod_public>;

// The unqualified name of T, from the compiler's own spelling of this function.
template <class T>
constexpr std::string_view type_name() {
  std::string_view s = __PRETTY_FUNCTION__;
  auto start = s.find("T = ") + 4;
  auto end = s.find_first_of(";]", start);
  s = s.substr(start, end - start);
  if (auto lt = s.find('<'); lt != std::string_view::npos) s = s.substr(0, lt);
  if (auto colon = s.rfind("::"); colon != std::string_view::npos) s = s.substr(colon + 2);
  return s;
}

}  // namespace bb::detail
