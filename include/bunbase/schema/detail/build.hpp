// Builds the SchemaNode tree of a C++ type at compile-time-known shape, once per type.
#pragma once

#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <limits>
#include <tuple>

#include "bunbase/schema/detail/traits.hpp"
#include "bunbase/schema/node.hpp"

namespace bb::detail {

// One overload per constraint keyword.
template <std::size_t N> void apply(SchemaNode& n, MinLength<N>) { n.min_length = N; }
template <std::size_t N> void apply(SchemaNode& n, MaxLength<N>) { n.max_length = N; }
template <FixedString P> void apply(SchemaNode& n, Pattern<P>) {
  n.pattern = std::string(P.view());
  n.regex = compile_pattern(n.pattern);
}
template <StringFormat F> void apply(SchemaNode& n, Format<F>) { n.format = F; }
template <std::size_t N> void apply(SchemaNode& n, MinItems<N>) { n.min_items = N; }
template <std::size_t N> void apply(SchemaNode& n, MaxItems<N>) { n.max_items = N; }

template <auto V> void apply(SchemaNode& n, Minimum<V>) {
  if (n.kind == SchemaKind::integer) {
    n.int_minimum = static_cast<std::int64_t>(V);
  } else {
    n.minimum = static_cast<double>(V);
  }
}
template <auto V> void apply(SchemaNode& n, Maximum<V>) {
  if (n.kind == SchemaKind::integer) {
    n.int_maximum = static_cast<std::int64_t>(V);
  } else {
    n.maximum = static_cast<double>(V);
  }
}
template <auto V> void apply(SchemaNode& n, ExclusiveMinimum<V>) {
  n.exclusive_minimum = static_cast<double>(V);
}
template <auto V> void apply(SchemaNode& n, ExclusiveMaximum<V>) {
  n.exclusive_maximum = static_cast<double>(V);
}

template <class T>
const SchemaNode* build(Schema& s);

template <class... C>
void apply_all(SchemaNode& n, std::tuple<C...>*) {
  (apply(n, C{}), ...);
}

template <class T>
struct Builder;  // specialisations below pick the shape

template <class T>
const SchemaNode* build(Schema& s) {
  using U = std::remove_cv_t<T>;
  if constexpr (is_instance<U, std::optional>::value) {
    auto* inner = const_cast<SchemaNode*>(build<typename U::value_type>(s));
    inner->nullable = true;
    return inner;
  } else {
    SchemaNode& n = s.make();
    Builder<U>::fill(s, n);
    return &n;
  }
}

template <class T>
struct Builder {
  static void fill(Schema& s, SchemaNode& n) {
    if constexpr (std::is_same_v<T, bool>) {
      n.kind = SchemaKind::boolean;
    } else if constexpr (std::is_same_v<T, std::string>) {
      n.kind = SchemaKind::string;
    } else if constexpr (PlainInteger<T>) {
      n.kind = SchemaKind::integer;
      if constexpr (sizeof(T) < 8 || std::is_unsigned_v<T>) {
        n.int_minimum = static_cast<std::int64_t>(std::numeric_limits<T>::min());
        if constexpr (sizeof(T) < 8) n.int_maximum = std::numeric_limits<T>::max();
      }
      if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) n.format_name = "uint64";
      else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 4) n.format_name = "int64";
      else n.format_name = sizeof(T) <= 4 ? "int32" : "int64";
    } else if constexpr (std::is_floating_point_v<T>) {
      n.kind = SchemaKind::number;
    } else if constexpr (std::is_same_v<T, boost::json::value>) {
      n.kind = SchemaKind::any;
    } else if constexpr (DescribedEnum<T>) {
      n.kind = SchemaKind::enumeration;
      n.title = std::string(type_name<T>());
      boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>(
          [&](auto e) { n.enum_values.emplace_back(e.name); });
    } else if constexpr (is_map_type<T>::value) {
      n.kind = SchemaKind::map;
      n.items = build<typename T::mapped_type>(s);
    } else if constexpr (is_array_type<T>::value) {
      n.kind = SchemaKind::array;
      n.items = build<typename T::value_type>(s);
    } else if constexpr (is_instance<T, std::variant>::value) {
      n.kind = SchemaKind::one_of;
      [&]<class... A>(std::variant<A...>*) {
        (n.alternatives.push_back(build<A>(s)), ...);
      }(static_cast<T*>(nullptr));
    } else if constexpr (DescribedStruct<T>) {
      n.kind = SchemaKind::object;
      n.title = std::string(type_name<T>());
      n.additional_properties = allows_unknown_properties<T>();
      boost::mp11::mp_for_each<public_members<T>>([&](auto m) {
        using M = std::remove_cvref_t<decltype(std::declval<T&>().*m.pointer)>;
        bool optional = is_instance<M, std::optional>::value;
        const SchemaNode* child;
        if constexpr (is_instance<M, std::optional>::value) {
          child = build<typename M::value_type>(s);  // absent, not null, is how "optional" reads
        } else {
          child = build<M>(s);
        }
        n.properties.push_back({m.name, child, !optional});
      });
    } else {
      static_assert(sizeof(T) == 0,
                    "bunbase: this type has no schema. Use a described struct "
                    "(BOOST_DESCRIBE_STRUCT), a described enum, std::string, bb::String, an "
                    "integer, double, bool, std::optional, std::vector, std::map<std::string, T>, "
                    "std::variant or boost::json::value.");
    }
  }
};

template <class... C>
struct Builder<String<C...>> {
  static void fill(Schema&, SchemaNode& n) {
    n.kind = SchemaKind::string;
    apply_all(n, static_cast<std::tuple<C...>*>(nullptr));
  }
};
template <class T>
struct Builder<Secret<T>> {
  static_assert(is_string_type<T>::value, "bunbase: bb::Secret<T> holds a string type (std::string or bb::String<...>)");
  static void fill(Schema& s, SchemaNode& n) {
    Builder<T>::fill(s, n);
    n.secret = true;
  }
};

// Inclusive bounds of a bb::Int must be integers (exclusive ones may be fractional).
template <class C> constexpr bool integral_bound = true;
template <auto V> constexpr bool integral_bound<Minimum<V>> = std::is_integral_v<decltype(V)>;
template <auto V> constexpr bool integral_bound<Maximum<V>> = std::is_integral_v<decltype(V)>;

template <class... C>
struct Builder<Int<C...>> {
  static_assert((integral_bound<C> && ...), "bb::Int takes integer bounds (use bb::Number for fractions)");
  static void fill(Schema&, SchemaNode& n) {
    n.kind = SchemaKind::integer;
    n.format_name = "int64";
    apply_all(n, static_cast<std::tuple<C...>*>(nullptr));
  }
};
template <class... C>
struct Builder<Number<C...>> {
  static void fill(Schema&, SchemaNode& n) {
    n.kind = SchemaKind::number;
    apply_all(n, static_cast<std::tuple<C...>*>(nullptr));
  }
};
template <class T, class... C>
struct Builder<Array<T, C...>> {
  static void fill(Schema& s, SchemaNode& n) {
    n.kind = SchemaKind::array;
    n.items = build<T>(s);
    apply_all(n, static_cast<std::tuple<C...>*>(nullptr));
  }
};

}  // namespace bb::detail
