-- Neovim ships no TypeScript parser, so vim.treesitter.query.parse() cannot
-- load these queries here. What Neovim can check without one: the syntax, the
-- predicates and directives it would run, and that the runtimepath finds the
-- files as extensions of the default queries. Prints one JSON object.

local client_dir = assert(arg[1], 'usage: nvim -l check_queries.lua EDITORS_NVIM_DIR')
vim.opt.runtimepath:prepend(client_dir)

local known = {}
local names = vim.list_extend(vim.treesitter.query.list_predicates(), vim.treesitter.query.list_directives())
for _, name in ipairs(names) do
  known[name] = true
end
local predicates = vim.treesitter.query.parse(
  'query',
  '(predicate name: (identifier) @name type: (predicate_type) @type)'
)

local report = {}
for _, lang in ipairs({ 'typescript', 'tsx', 'javascript' }) do
  local files = vim.treesitter.query.get_files(lang, 'injections')
  local path = files[#files]
  local text = table.concat(vim.fn.readfile(path), '\n')
  local root = vim.treesitter.get_string_parser(text, 'query'):parse()[1]:root()
  local unknown = {}
  for _, match in predicates:iter_matches(root, text) do
    local name = vim.treesitter.get_node_text(match[1][1], text) .. vim.treesitter.get_node_text(match[2][1], text)
    if not known[name] then
      table.insert(unknown, name)
    end
  end
  report[lang] = {
    path = path,
    first_line = vim.split(text, '\n')[1],
    syntax_error = root:has_error(),
    unknown_predicates = unknown,
  }
end
io.stdout:write(vim.json.encode(report))
