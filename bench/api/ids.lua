-- wrk script for bench/api/run.sh: GET /clv/customers/<random id> with a bearer token.
-- Environment: TOKEN (access token), MIN_ID and MAX_ID (inclusive range of customer ids that
-- have a score; ids are dense in a fresh database, so every pick is a real customer).
local token = os.getenv("TOKEN")
local min_id = tonumber(os.getenv("MIN_ID"))
local max_id = tonumber(os.getenv("MAX_ID"))
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919)
end

function init(args)
  math.randomseed(seed or 1)
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  return wrk.format("GET", "/clv/customers/" .. math.random(min_id, max_id))
end
