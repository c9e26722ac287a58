/** @jsxImportSource preact */
// Entry point of the web UI bundle (scripts/build-web.mjs): styles, then the app mounted on #app.
import "./app.css";
import { render } from "preact";
import { App } from "./App.js";
import { pageClient } from "./client.js";

const root = document.getElementById("app");
if (root) render(<App client={pageClient()} />, root);
