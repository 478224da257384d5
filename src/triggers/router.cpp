#include "src/triggers/router.hpp"

namespace bb::triggers {

void Router::add(const Route& route) {
  Node* n = &root_;
  std::vector<std::string> names;
  std::string_view p = route.path;
  while (!p.empty()) {
    if (p.front() == '/') {
      p.remove_prefix(1);
      continue;
    }
    auto slash = p.find('/');
    std::string_view seg = p.substr(0, slash);
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
    if (seg.front() == ':') {
      names.emplace_back(seg.substr(1));
      if (!n->param) n->param = std::make_unique<Node>();
      n = n->param.get();
    } else {
      auto& child = n->children[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      n = child.get();
    }
  }
  n->by_method[route.method] = {&route, std::move(names)};
}

const Router::Node* Router::find(const Node& n, const std::vector<std::string>& segs, std::size_t i,
                                 std::vector<const std::string*>& captured) const {
  if (i == segs.size()) return n.by_method.empty() ? nullptr : &n;
  if (auto it = n.children.find(segs[i]); it != n.children.end())
    if (const Node* found = find(*it->second, segs, i + 1, captured)) return found;
  if (n.param && !segs[i].empty()) {
    captured.push_back(&segs[i]);
    if (const Node* found = find(*n.param, segs, i + 1, captured)) return found;
    captured.pop_back();
  }
  return nullptr;
}

Router::Match Router::match(std::string_view method, const std::vector<std::string>& segments) const {
  Match m;
  std::vector<const std::string*> captured;
  const Node* n = find(root_, segments, 0, captured);
  if (!n) return m;
  auto it = n->by_method.find(std::string(method));
  if (it == n->by_method.end() && method == "HEAD") it = n->by_method.find("GET");  // HEAD: GET without the body
  if (it == n->by_method.end()) {
    for (const auto& [verb, entry] : n->by_method) m.allow += (m.allow.empty() ? "" : ", ") + verb;
    return m;
  }
  m.route = it->second.first;
  const auto& names = it->second.second;
  for (std::size_t i = 0; i < names.size() && i < captured.size(); ++i)
    m.params.emplace_back(names[i], *captured[i]);
  return m;
}

}  // namespace bb::triggers
