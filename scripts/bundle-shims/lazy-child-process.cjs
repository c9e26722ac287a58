// node:child_process for commander, loaded on first use. Commander requires it as it loads, for executable
// subcommands (`moor-foo` files), which moor has none of; loading it (with net, dgram and the rest it pulls in)
// cost ~5-15 ms before every command's first line, and `moor acp`'s `initialize` answer waited for it (issue 18 §5).
// The commands that spawn load it themselves, after their first answer.
let childProcess;
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      childProcess ??= require("node:child_process");
      return childProcess[key];
    },
  },
);
