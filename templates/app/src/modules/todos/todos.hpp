// The todos module's types and actions. A described struct is a schema: Bunbase validates
// input against it, decodes rows into it and documents it in /openapi.json.
#pragma once

#include <bunbase/bunbase.hpp>

namespace todos {

using Title = bb::String<bb::MinLength<1>, bb::MaxLength<200>>;

struct Todo {
  std::string id;
  std::string title;
  bool done;
  std::string created_at;
};
BOOST_DESCRIBE_STRUCT(Todo, (), (id, title, done, created_at))

struct CreateTodoInput {
  Title title;
};
BOOST_DESCRIBE_STRUCT(CreateTodoInput, (), (title))

struct ListTodosInput {
  std::optional<bool> done;
  std::optional<bb::Int<bb::Minimum<1>, bb::Maximum<100>>> limit;
};
BOOST_DESCRIBE_STRUCT(ListTodosInput, (), (done, limit))

struct TodoList {
  std::vector<Todo> todos;
};
BOOST_DESCRIBE_STRUCT(TodoList, (), (todos))

bb::Action create_todo();
bb::Action list_todos();

}  // namespace todos
