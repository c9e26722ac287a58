// A session's todo list as the todo tools use it: written and announced in one commit (DESIGN.md §3).
import type { Todo } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import type { TodoList } from "./tools/todo.js";

export function sessionTodoList(store: Store): TodoList {
  return {
    get: (sessionID) => store.getTodos(sessionID),
    set: (scope, todos: Todo[]) =>
      store.commit(scope, (tx) => {
        tx.setTodos(scope.sessionID, todos);
        tx.emit("todo.updated", { sessionID: scope.sessionID, todos });
      }),
  };
}
