// The app's actions run in-process through the real executor (guards, validation, handler,
// run history) on an in-memory SQLite with the app's migrations applied.
#include <bunbase/testing/test_app.hpp>
#include <gtest/gtest.h>

#include "modules/todos/todos.hpp"

namespace {

using bb::testing::TestApp;

TEST(Todos, NewItemsAreListedNewestFirst) {
  TestApp app(bunbase_app());
  app.call<todos::Todo>("createTodo", {{"title", "Write the spec"}});
  auto second = app.call<todos::Todo>("createTodo", {{"title", "Ship it"}});
  EXPECT_FALSE(second.done);

  auto list = app.call<todos::TodoList>("listTodos");
  ASSERT_EQ(list.todos.size(), 2u);
  EXPECT_EQ(list.todos[0].id, second.id);
  EXPECT_EQ(list.todos[1].title, "Write the spec");
  EXPECT_TRUE(app.call<todos::TodoList>("listTodos", {{"done", true}}).todos.empty());
}

TEST(Todos, AnEmptyTitleIsRefusedWithItsPath) {
  TestApp app(bunbase_app());
  auto r = app.run("createTodo", {{"title", ""}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::invalid_argument);
}

}  // namespace
