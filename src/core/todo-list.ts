// A session's todo list as the todo tools use it: stored, then announced (DESIGN.md §3, written before announced).
import type { Todo } from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import type { EventBus } from "./bus.js";
import type { TodoList } from "./tools/todo.js";

export function sessionTodoList(store: Store, bus: EventBus): TodoList {
  return {
    get: (sessionID) => store.getTodos(sessionID),
    set: (scope, todos: Todo[]) => {
      store.setTodos(scope.sessionID, todos);
      bus.publish("todo.updated", { sessionID: scope.sessionID, todos }, scope);
    },
  };
}
