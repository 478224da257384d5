#include "todos.hpp"

namespace todos {

bb::Action create_todo() {
  return bb::action<CreateTodoInput, Todo>(
      {.name = "createTodo",
       .description = "Adds an item to the list",
       .triggers = {bb::triggers::api("POST", "/", {.status = 201})}},
      [](const CreateTodoInput& in, bb::Context& ctx) -> Todo {
        std::string id = ctx.db.insert("todos", {{"id", bb::new_id()}, {"title", in.title}, {"created_at", bb::iso_now()}});
        ctx.log.info("todo created", {{"todoId", id}});
        return *ctx.db.query_one_as<Todo>("SELECT id, title, done, created_at FROM todos WHERE id = $1", {id});
      });
}

}  // namespace todos
