#include "todos.hpp"

// Found by bunbase_add_app: a folder with a _module.cpp is a module, and the folder's .cpp
// files are compiled with it. Guards listed here (e.g. bb::guards::authenticated() from
// <bunbase/guards.hpp>) run before every action of the module.
BUNBASE_MODULE(todos) {
  return bb::module({.name = "todos",
                     .description = "A to-do list",
                     .api_prefix = "/todos",
                     .actions = {todos::create_todo(), todos::list_todos()}});
}
