-- For Neovim 0.10, which has no vim.lsp.enable(). The configuration itself
-- lives in lsp/migration_lsp.lua so that both paths start the same server.

local M = {}

--- The configuration setup() started the client with, for :checkhealth migration_lsp.
---@type vim.lsp.Config?
M.setup_config = nil

-- This file is lua/migration_lsp/init.lua under the plugin's root.
local this_file = debug.getinfo(1, 'S').source:sub(2)
local plugin_root = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(this_file)))

---@return vim.lsp.Config
function M.config()
  return dofile(vim.fs.joinpath(plugin_root, 'lsp', 'migration_lsp.lua'))
end

---@param bufnr integer
---@param config vim.lsp.Config
local function start(bufnr, config)
  -- As with vim.lsp.enable(): no client for help, terminal or scratch buffers.
  if vim.bo[bufnr].buftype ~= '' then
    return
  end
  local root_dir = vim.fs.root(bufnr, config.root_markers)
    or vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr))
  vim.lsp.start(vim.tbl_extend('force', config, { name = 'migration_lsp', root_dir = root_dir }), {
    bufnr = bufnr,
  })
end

--- Starts migration-lsp for TypeScript and JavaScript buffers.
---@param opts? vim.lsp.Config overrides, merged into the default configuration
function M.setup(opts)
  local config = vim.tbl_deep_extend('force', M.config(), opts or {})
  M.setup_config = config
  local group = vim.api.nvim_create_augroup('migration_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      start(args.buf, config)
    end,
  })
  -- Buffers opened before setup() already had their FileType event.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      start(bufnr, config)
    end
  end
end

return M
