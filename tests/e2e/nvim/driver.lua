-- Runs inside headless Neovim from the fixture workspace. Every step's result,
-- or the error that stopped it, goes to the JSON file named by
-- MIGRATION_LSP_RESULTS; test_nvim.py makes the assertions. init.lua sets
-- vim.g.migration_lsp_exit when the server exits, which ends any wait early.

local TIMEOUT_MS = 30000
local ROUTE = 'src/app/api/setup/migrations/route.ts'
local DB = 'src/lib/db.ts'
local SEED = 'src/app/api/setup/seed/route.ts'
local TABLE = 'mason_users'
local CODE = 'create-table-not-idempotent'

local function wait_for(what, condition)
  local ok = vim.wait(TIMEOUT_MS, function()
    return vim.g.migration_lsp_exit ~= nil or condition()
  end, 50)
  if vim.g.migration_lsp_exit ~= nil then
    local exit = vim.g.migration_lsp_exit
    error(('the server exited (code %d, signal %d) while waiting for %s'):format(exit.code, exit.signal, what), 2)
  end
  if not ok then
    error('timed out waiting for ' .. what, 2)
  end
end

---@return integer bufnr, vim.lsp.Client client
local function open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  wait_for('migration_lsp to attach to ' .. path, function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = 'migration_lsp' })[1]
    return client ~= nil
  end)
  return bufnr, client
end

local function request(client, bufnr, method, params)
  local response, err = client:request_sync(method, params, TIMEOUT_MS, bufnr)
  if not response then
    error(method .. ': ' .. tostring(err), 2)
  end
  if response.err then
    error(method .. ': ' .. vim.inspect(response.err), 2)
  end
  return response.result
end

local function diagnostics(bufnr)
  return vim.tbl_map(function(d)
    local range = d.user_data.lsp.range
    return {
      code = d.code,
      source = d.source,
      message = d.message,
      line = range.start.line,
      character = range.start.character,
      end_line = range['end'].line,
      end_character = range['end'].character,
    }
  end, vim.diagnostic.get(bufnr))
end

--- The diagnostic as the server sent it, for the code action's context.
local function lsp_diagnostic(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return d.user_data.lsp
    end
  end
end

--- The LSP position of the first `needle` on the first line containing `anchor`.
local function position_of(client, bufnr, anchor, needle)
  for row, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)) do
    if text:find(anchor, 1, true) then
      local col = assert(text:find(needle, 1, true), needle .. ' not on ' .. text) - 1
      return { line = row - 1, character = vim.str_utfindex(text, client.offset_encoding, col) }
    end
  end
  error(anchor .. ' not found')
end

local function apply(client, bufnr, action)
  if not action.edit and not action.command and client:supports_method('codeAction/resolve') then
    action = request(client, bufnr, 'codeAction/resolve', action)
  end
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  if type(action.command) == 'table' then
    client:exec_cmd(action.command, { bufnr = bufnr })
  elseif type(action.command) == 'string' then
    client:exec_cmd(action, { bufnr = bufnr })
  end
end

local steps = {}
local opened = {}

-- Later steps need the client; without it they fail at once instead of waiting.
local function attached()
  return assert(opened.route, 'the client never attached to ' .. ROUTE), opened.client
end

function steps.diagnostics()
  opened.route, opened.client = open(ROUTE)
  wait_for('diagnostics on ' .. ROUTE, function()
    return #vim.diagnostic.get(opened.route) > 0
  end)
  return diagnostics(opened.route)
end

function steps.fix()
  local route, client = attached()
  local target = assert(lsp_diagnostic(route, CODE), 'no ' .. CODE .. ' diagnostic to fix')
  local actions = request(client, route, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(route) },
    range = target.range,
    context = { diagnostics = { target }, triggerKind = 1 },
  }) or {}
  local titles = vim.tbl_map(function(action)
    return action.title
  end, actions)
  local fix = vim.iter(actions):find(function(action)
    return action.title:find('IF NOT EXISTS', 1, true) ~= nil
  end)
  assert(fix, 'no code action titled with IF NOT EXISTS among ' .. vim.inspect(titles))
  apply(client, route, fix)
  wait_for(CODE .. ' to clear after the fix', function()
    return lsp_diagnostic(route, CODE) == nil
  end)
  local row = target.range.start.line
  return {
    code_actions = titles,
    fixed_line = vim.api.nvim_buf_get_lines(route, row, row + 1, true)[1],
    diagnostics_after = diagnostics(route),
  }
end

function steps.hover()
  local route, client = attached()
  local hover = request(client, route, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(route) },
    position = position_of(client, route, 'CREATE TABLE', TABLE),
  })
  assert(hover, 'no hover over ' .. TABLE)
  return table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), '\n')
end

function steps.definition()
  attached()
  local db, client = open(DB)
  local locations = request(client, db, 'textDocument/definition', {
    textDocument = { uri = vim.uri_from_bufnr(db) },
    position = position_of(client, db, '.from(', TABLE),
  })
  assert(locations, 'no definition for ' .. TABLE)
  if locations.uri then
    locations = { locations }
  end
  return vim.tbl_map(function(location)
    return {
      path = vim.uri_to_fname(location.uri or location.targetUri),
      range = location.targetSelectionRange or location.range,
    }
  end, locations)
end

function steps.settings()
  attached()
  local seed = open(SEED)
  wait_for('diagnostics on ' .. SEED, function()
    return #vim.diagnostic.get(seed) > 0
  end)
  return diagnostics(seed)
end

-- Each step runs even when an earlier one failed, so that one run reports
-- everything the server does and does not do yet.
local results = { errors = vim.empty_dict() }
for _, name in ipairs({ 'diagnostics', 'fix', 'hover', 'definition', 'settings' }) do
  local ok, value = xpcall(steps[name], debug.traceback)
  if ok then
    results[name] = value
  else
    results.errors[name] = value
  end
end
vim.fn.writefile({ vim.json.encode(results) }, assert(os.getenv('MIGRATION_LSP_RESULTS')))
vim.cmd('qa!')
