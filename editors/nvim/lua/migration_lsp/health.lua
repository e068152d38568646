-- :checkhealth migration_lsp — what a user asks first when no finding shows up: is the
-- server there (and which version), which setup path this Neovim takes, which project
-- configuration the current file gets, and whether the SQL inside MIGRATION_SQL can be
-- highlighted.

local M = {}

local NAME = 'migration_lsp'
local VERSION_TIMEOUT_MS = 10000
local INSTALL = {
  'pipx install migration-lsp',
  'uv tool install migration-lsp',
  ':MasonInstall migration-lsp (with mason.nvim, see docs/editors.md)',
}
-- The order in which the server looks in each folder, nearest folder first.
local CONFIG_FILES = { 'migration-lsp.toml', 'pyproject.toml' }
local PYPROJECT_TABLE = '^%s*%[tool%.migration%-lsp[%].]'
local HOST_LANGUAGES = { 'typescript', 'tsx', 'javascript' }

-- This file is lua/migration_lsp/health.lua under the client's folder.
local client_root = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))))

--- The configuration the client starts with, and how it is set up.
---@return vim.lsp.Config?, string
local function active_config()
  local setup = require('migration_lsp').setup_config
  if setup then
    return setup, 'setup'
  end
  if vim.fn.has('nvim-0.11') == 1 then
    return vim.lsp.config[NAME], 'enable'
  end
  return nil, 'none'
end

local function check_neovim()
  vim.health.start('Neovim')
  local _, path = active_config()
  if vim.fn.has('nvim-0.10') == 0 then
    vim.health.error(('Neovim %s is too old: migration_lsp needs 0.10 or later'):format(tostring(vim.version())))
    return
  end
  if vim.fn.has('nvim-0.11') == 1 then
    vim.health.ok(('Neovim %s: vim.lsp.config() and vim.lsp.enable() (0.11+) read lsp/%s.lua'):format(tostring(vim.version()), NAME))
  else
    vim.health.ok(('Neovim %s: require("migration_lsp").setup() (0.10) starts the client'):format(tostring(vim.version())))
  end
  if #vim.api.nvim_get_runtime_file(('lsp/%s.lua'):format(NAME), false) == 0 then
    vim.health.error(('lsp/%s.lua is not on the runtimepath'):format(NAME), {
      "add the client's folder (editors/nvim of the repository) to 'runtimepath'",
    })
  end
  if path == 'setup' then
    vim.health.ok('started by require("migration_lsp").setup()')
  elseif path == 'enable' and vim.lsp.is_enabled then
    if vim.lsp.is_enabled(NAME) then
      vim.health.ok(("enabled by vim.lsp.enable('%s')"):format(NAME))
    else
      vim.health.warn('not enabled', { ("call vim.lsp.enable('%s')"):format(NAME) })
    end
  elseif path == 'enable' then
    vim.health.info(("start it with vim.lsp.enable('%s')"):format(NAME))
  else
    vim.health.warn('not started', { 'call require("migration_lsp").setup() (Neovim 0.10 has no vim.lsp.enable())' })
  end
end

local function check_server()
  vim.health.start('Server')
  local config = active_config() or require('migration_lsp').config()
  local cmd = config.cmd
  if type(cmd) == 'function' then
    vim.health.info('cmd is a function (an RPC client): not checked')
    return
  end
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' then
    vim.health.error('cmd is not set', INSTALL)
    return
  end
  local shown = table.concat(cmd, ' ')
  local executable = vim.fn.exepath(cmd[1])
  if executable == '' then
    vim.health.error(('%s: %s is not an executable on PATH'):format(shown, cmd[1]), INSTALL)
    return
  end
  local command = vim.list_extend(vim.deepcopy(cmd), { '--version' })
  -- wait() kills the process when it does not answer in time.
  local done = vim.system(command, { text = true }):wait(VERSION_TIMEOUT_MS)
  local answer = vim.trim(done.stdout or '')
  if done.code ~= 0 or answer == '' then
    local reason = vim.split(vim.trim(done.stderr or ''), '\n')[1]
    vim.health.error(
      ('%s --version failed (exit code %d)%s'):format(shown, done.code, reason ~= '' and (': ' .. reason) or ''),
      INSTALL
    )
    return
  end
  vim.health.ok(('%s: %s (%s)'):format(shown, answer, executable))
end

--- The buffer :checkhealth was called from: its own buffer is current by now.
---@return integer?
local function user_buffer()
  local candidates = { vim.fn.bufnr('#') }
  local infos = vim.fn.getbufinfo({ buflisted = 1 })
  table.sort(infos, function(a, b)
    return a.lastused > b.lastused
  end)
  for _, info in ipairs(infos) do
    table.insert(candidates, info.bufnr)
  end
  for _, bufnr in ipairs(candidates) do
    if bufnr > 0 and vim.api.nvim_buf_is_valid(bufnr) and vim.bo[bufnr].buftype == '' then
      if vim.api.nvim_buf_get_name(bufnr) ~= '' then
        return bufnr
      end
    end
  end
end

--- The file the server reads the project's configuration from for `file`, as it looks for it.
---@return string?
local function config_file(file)
  for dir in vim.fs.parents(file) do
    for _, name in ipairs(CONFIG_FILES) do
      local candidate = vim.fs.joinpath(dir, name)
      if vim.fn.filereadable(candidate) == 1 then
        if name ~= 'pyproject.toml' then
          return candidate
        end
        for _, line in ipairs(vim.fn.readfile(candidate)) do
          if line:find(PYPROJECT_TABLE) then
            return candidate
          end
        end
      end
    end
  end
end

local function check_project()
  vim.health.start('Current buffer')
  local bufnr = user_buffer()
  if not bufnr then
    vim.health.info('no file is open: run :checkhealth from a TypeScript or JavaScript file')
    return
  end
  local file = vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr))
  local found = config_file(file)
  if found then
    vim.health.ok(('%s: configured by %s'):format(file, found))
  else
    vim.health.info(
      ('%s: no migration-lsp.toml, nor pyproject.toml with [tool.migration-lsp], above it: the defaults apply'):format(
        file
      )
    )
  end
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1]
  if client then
    vim.health.ok(('client %d attached, root %s'):format(client.id, client.root_dir or '(none)'))
  else
    local config = active_config()
    local filetypes = config and config.filetypes or require('migration_lsp').config().filetypes
    if vim.tbl_contains(filetypes, vim.bo[bufnr].filetype) then
      vim.health.warn('no migration_lsp client is attached to it', { 'see :LspLog for why the server did not start' })
    else
      vim.health.info(('filetype %q is not one the client attaches to'):format(vim.bo[bufnr].filetype))
    end
  end
end

--- Where the parser of `lang` is and whether it loads; `nil, reason` when it cannot be used.
---@return string?, string?
local function parser(lang)
  local files = vim.api.nvim_get_runtime_file(('parser/%s.*'):format(lang), false)
  if #files == 0 then
    return nil, 'not installed'
  end
  -- Depending on the version and the failure, add() raises or returns nil and the reason.
  local ok, added, reason = pcall(vim.treesitter.language.add, lang)
  if not ok or (added == nil and reason ~= nil) then
    return nil, ('%s does not load: %s'):format(files[1], ok and reason or added)
  end
  return files[1]
end

local function check_highlighting()
  vim.health.start('SQL highlighting inside MIGRATION_SQL')
  local sql, why = parser('sql')
  if sql then
    vim.health.ok(('sql parser: %s'):format(sql))
  else
    vim.health.warn(('sql parser: %s, so the SQL shows as a plain string'):format(why), {
      ':TSInstall sql (with nvim-treesitter)',
    })
  end
  local missing, install = {}, {}
  for _, lang in ipairs(HOST_LANGUAGES) do
    local found, reason = parser(lang)
    if found then
      vim.health.ok(('%s parser: %s'):format(lang, found))
    else
      table.insert(missing, ('%s (%s)'):format(lang, reason))
      table.insert(install, lang)
    end
    local ours = vim.fs.joinpath(client_root, 'queries', lang, 'injections.scm')
    local queries = vim.tbl_map(vim.fs.normalize, vim.api.nvim_get_runtime_file(('queries/%s/injections.scm'):format(lang), true))
    if not vim.tbl_contains(queries, vim.fs.normalize(ours)) then
      vim.health.error(('%s is not on the runtimepath'):format(ours))
    end
  end
  if #missing > 0 then
    vim.health.warn(('no parser for %s: those files get no SQL injection'):format(table.concat(missing, ', ')), {
      (':TSInstall %s (with nvim-treesitter)'):format(table.concat(install, ' ')),
    })
  end
end

function M.check()
  check_neovim()
  check_server()
  check_project()
  check_highlighting()
end

return M
