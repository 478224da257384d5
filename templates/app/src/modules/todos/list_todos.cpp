#include "todos.hpp"

namespace todos {

bb::Action list_todos() {
  return bb::action<ListTodosInput, TodoList>(
      {.name = "listTodos",
       .description = "Lists the items, newest first (GET /todos?done=false&limit=20)",
       .triggers = {bb::triggers::api("GET", "/")}},
      [](const ListTodosInput& in, bb::Context& ctx) -> TodoList {
        const std::int64_t limit = in.limit ? in.limit->value : 50;
        if (in.done)
          return {ctx.db.query_as<Todo>(
              "SELECT id, title, done, created_at FROM todos WHERE done = $1 "
              "ORDER BY created_at DESC, id DESC LIMIT $2",
              {*in.done, limit})};
        return {ctx.db.query_as<Todo>(
            "SELECT id, title, done, created_at FROM todos ORDER BY created_at DESC, id DESC LIMIT $1", {limit})};
      });
}

}  // namespace todos
