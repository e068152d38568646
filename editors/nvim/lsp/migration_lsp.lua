---@brief
---
--- migration-lsp checks the SQL in `MIGRATION_SQL` template literals: every
--- statement must be safe to run again.
---
--- ```sh
--- pipx install migration-lsp   # or: uv tool install migration-lsp
--- ```
---
--- `:checkhealth migration_lsp` tells whether the server is found.
---
--- Settings go under `settings['migration-lsp']`; the same table is sent as
--- `initializationOptions`, so they are set in one place:
---
--- ```lua
--- vim.lsp.config('migration_lsp', {
---   settings = { ['migration-lsp'] = { checkOn = 'save' } },
--- })
--- vim.lsp.enable('migration_lsp')
--- ```

local section = 'migration-lsp'

---@type vim.lsp.Config
return {
  cmd = { 'migration-lsp' },
  filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact' },
  root_markers = { 'migration-lsp.toml', 'pyproject.toml', 'package.json', '.git' },
  settings = {
    [section] = {
      checkOn = 'type', -- or 'save'
      variableNames = {}, -- checked besides MIGRATION_SQL
      verifyOnSave = false, -- run the migration on a scratch PostgreSQL on save
      logLevel = 'info', -- 'error', 'warning', 'info' or 'debug'
    },
  },
  -- The server reads the same table as initializationOptions. A static
  -- `init_options` would keep these defaults when a user overrides `settings`
  -- with vim.lsp.config(), so it is built at start; an `init_options` the user
  -- sets still wins.
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_deep_extend(
      'force',
      config.settings and config.settings[section] or {},
      config.init_options or {}
    )
  end,
}
