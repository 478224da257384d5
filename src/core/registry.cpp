#include "bunbase/core/registry.hpp"

#include <stdexcept>

namespace bb {

namespace {
std::string location(const std::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line());
}
std::string describe(const RegisteredAction& a) {
  std::string s = "\"" + a.name() + "\"";
  if (a.module) s += " in module \"" + a.module->name() + "\"";
  return s + " (" + a.where() + ")";
}
// "/users/:id" and "/users/:userId" are the same route: parameters compare by position.
std::string route_shape(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == ':' && (i == 0 || path[i - 1] == '/')) {
      out += ':';
      while (i < path.size() && path[i] != '/') ++i;
    } else {
      out += path[i++];
    }
  }
  return out;
}
}  // namespace

std::string RegisteredAction::where() const { return location(action->where); }

std::string join_path(std::string_view prefix, std::string_view path) {
  std::string p(prefix);
  while (!p.empty() && p.back() == '/') p.pop_back();
  p.append(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty()) p = "/";
  return p;
}

void Registry::add(Module m) {
  if (sealed_) throw std::logic_error("registry is sealed");
  if (!m) throw std::invalid_argument("null module");
  for (const auto& existing : modules_)
    if (existing->name() == m->name())
      throw std::runtime_error("duplicate module name \"" + m->name() + "\": " +
                               location(existing->where) + " and " + location(m->where));
  modules_.push_back(m);
  for (const auto& a : m->options.actions) add_action(a, m);
}

void Registry::add(Action a) {
  if (sealed_) throw std::logic_error("registry is sealed");
  if (!a) throw std::invalid_argument("null action");
  add_action(std::move(a), nullptr);
}

void Registry::add_action(Action a, Module m) {
  auto r = std::make_unique<RegisteredAction>();
  r->action = std::move(a);
  r->module = std::move(m);
  if (r->module) r->guards = r->module->options.guards;
  r->guards.insert(r->guards.end(), r->action->options.guards.begin(), r->action->options.guards.end());
  r->index = static_cast<std::uint32_t>(actions_.size());
  actions_.push_back(std::move(r));
}

void Registry::seal() {
  if (sealed_) return;
  by_name_.clear();
  routes_.clear();
  std::unordered_map<std::string, const Route*> by_route;
  for (const auto& a : actions_) {
    auto [it, inserted] = by_name_.emplace(a->name(), a.get());
    if (!inserted)
      throw std::runtime_error("duplicate action name: " + describe(*it->second) + " and " +
                               describe(*a));
    for (const auto& t : a->action->options.triggers) {
      if (const auto* api = std::get_if<ApiTrigger>(&t.spec)) {
        std::string path = join_path(a->api_prefix(), api->path);
        routes_.push_back({api->method, path, api->method + " " + path, a.get(), api});
      } else if (const auto* hook = std::get_if<WebhookTrigger>(&t.spec)) {
        std::string path = join_path(a->api_prefix(), hook->path);
        routes_.push_back({"POST", path, "POST " + path, a.get(), nullptr, hook});
      }
    }
  }
  for (const auto& r : routes_) {
    auto [it, inserted] = by_route.emplace(r.method + " " + route_shape(r.path), &r);
    if (!inserted)
      throw std::runtime_error("duplicate route " + r.method + " " + r.path + ": action " +
                               describe(*it->second->action) + " and action " + describe(*r.action));
  }
  sealed_ = true;
}

const RegisteredAction* Registry::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace bb
