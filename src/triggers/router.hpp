// Matches a method and path to a route: static segments first, then ":name" parameters.
// Knows which methods a path accepts, for 405 and Allow.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bunbase/core/registry.hpp"

namespace bb::triggers {

class Router {
 public:
  void add(const Route& route);

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string_view, std::string>> params;  // name -> decoded value
    std::string allow;  // when the path exists for other methods: "GET, POST"
  };
  // `segments` are the decoded path segments ("/users/42" -> {"users", "42"}).
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  struct Node {
    std::unordered_map<std::string, std::unique_ptr<Node>> children;
    std::unique_ptr<Node> param;
    std::map<std::string, std::pair<const Route*, std::vector<std::string>>> by_method;  // method -> route, param names
  };
  const Node* find(const Node& n, const std::vector<std::string>& segs, std::size_t i,
                   std::vector<const std::string*>& captured) const;

  Node root_;
};

}  // namespace bb::triggers
