import asyncio, sys, time, tempfile, shutil
from pathlib import Path
from benchmarks import load_bench as lb
from tests.discord_standin import DiscordStandIn, BotProcess, bot_env

async def main():
    wd = Path(tempfile.mkdtemp())
    corpus = lb.prepare(wd, 10000, 1, Path("/tmp/g_ing/kb.db"))
    async with DiscordStandIn() as s:
        env = bot_env(s, wd, CLIPPINGS_CORPUS=str(corpus))
        b = BotProcess(env, wd); await b.start()
        await b.wait_line(lb.READY, 120)
        pools = await lb.name_pools(s)
        for rnd in range(2):
            ph = lb.Phase("x")
            await lb.fire(s, ph, pools, 200, 10, rnd)
            lat = [round(r.latency*1000) for r in ph.sent]
            print("round", rnd, lat[:40], "...", sorted(lat)[-10:])
            slow = [(i, r.payload["data"]["name"], r.payload["data"]["options"], round(r.latency*1000)) for i, r in enumerate(ph.sent) if r.latency > 0.3]
            print(slow[:20])
        await b.kill()
    shutil.rmtree(wd)
asyncio.run(main())
