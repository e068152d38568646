-- Minimal configuration: only the repository's client on the runtimepath.
-- MIGRATION_LSP_CMD (a JSON list) runs the server with the test's Python;
-- MIGRATION_LSP_CLIENT picks the 0.11 path (enable) or the 0.10 one (setup).

local tests_nvim = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local repo = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(tests_nvim)))
vim.opt.runtimepath:prepend(vim.fs.joinpath(repo, 'editors', 'nvim'))
vim.opt.swapfile = false

local cmd = assert(os.getenv('MIGRATION_LSP_CMD'), 'MIGRATION_LSP_CMD is not set')
local overrides = {
  cmd = vim.json.decode(cmd),
  -- SEED_SQL is checked only if these settings reach the server.
  settings = { ['migration-lsp'] = { checkOn = 'type', variableNames = { 'SEED_SQL' } } },
  on_exit = function(code, signal)
    vim.g.migration_lsp_exit = { code = code, signal = signal }
  end,
}

if os.getenv('MIGRATION_LSP_CLIENT') == 'setup' then
  require('migration_lsp').setup(overrides)
else
  vim.lsp.config('migration_lsp', overrides)
  vim.lsp.enable('migration_lsp')
end
