# Regenerates testdata/small and testdata/xss: python3 mkfixture.py small xss (from reports/testdata).
import json, os, hashlib, sys
from datetime import datetime, timedelta, timezone

EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def deployment(model, evil):
    """deployments/<model>.yaml in the canonical format of the deploy package."""
    X = EVIL if evil else None
    q = json.dumps
    return '\n'.join([
        'schema: 1', 'model: ' + q(model), 'current:', '  version: 1', '  digest: ' + q('c' * 64),
        '  commit: ' + q('a' * 40), '  endpoint: ' + q(X or '127.0.0.1:1234'), '  since: "2026-03-01T12:00:00Z"',
        '  status: ' + q(X or 'serving'), 'history:',
        '  - time: "2026-03-01T12:00:00Z"', '    kind: "deploy"', '    version: 1', '    digest: ' + q('c' * 64),
        '    commit: ' + q('a' * 40),
        '  - time: "2026-03-01T13:00:00Z"', '    kind: "rollback"', '    version: 2', '    digest: ' + q('d' * 64),
        '    commit: ' + q('b' * 40), '    reason: ' + q(X or 'health check failed'),
    ]) + '\n'

def ts(t): return t.strftime('%Y-%m-%dT%H:%M:%SZ')

def build(root, evil):
    E = evil
    os.makedirs(root, exist_ok=True)
    store = os.path.join(root, 'store')
    def put(data):
        h = hashlib.sha256(data).hexdigest()
        d = os.path.join(store, 'sha256', h[:2]); os.makedirs(d, exist_ok=True)
        open(os.path.join(d, h[2:]), 'wb').write(data); return h
    repo = os.path.join(root, 'repo')
    t0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
    X = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    J = 'javascript:alert(3)'
    pipes = [('churn', 3), ('forecast', 2)] if not evil else [(X, 2)]
    runs = []
    n = 0
    for pname, count in pipes:
        for i in range(count):
            n += 1
            start = t0 + timedelta(hours=n)
            rid = start.strftime('%Y%m%dT%H%M%SZ') + '-%04x' % (n * 4099)
            if evil and i == 0: rid = X
            if evil and i == 1: rid = J
            failed = (pname == 'forecast' and i == 1)
            tasks = []
            names = ['load_data', 'features', 'train_rf', 'train_xgb'] if not evil else ['load' + X, J]
            for k, tn in enumerate(names):
                needs = [] if k == 0 else ([names[0]] if k == 1 else [names[1]])
                if evil: needs = [] if k == 0 else [names[0]]
                ts0 = start + timedelta(seconds=2 + 10 * min(k, 2))
                log = ''.join('%s line %d of attempt output\n' % (tn, j) for j in range(30))
                if evil: log += X + '\n' + J + '\n'
                lh = put(log.encode())
                attempts = [{'number': 1, 'start': ts(ts0), 'end': ts(ts0 + timedelta(seconds=8)), 'exit_code': 0, 'log': lh}]
                status = 'success'
                if failed and tn == 'train_xgb':
                    attempts = [{'number': 1, 'start': ts(ts0), 'end': ts(ts0 + timedelta(seconds=3)), 'exit_code': 1, 'error': 'exit status 1', 'log': lh},
                                {'number': 2, 'start': ts(ts0 + timedelta(seconds=5)), 'end': ts(ts0 + timedelta(seconds=9)), 'exit_code': 1, 'error': 'exit status 1', 'log': lh}]
                    status = 'failed'
                cache = (tn == 'load_data' and i > 0)
                rec = {'name': tn, 'needs': needs, 'status': status, 'start': ts(ts0), 'end': ts(ts0 + timedelta(seconds=9))}
                if cache:
                    rec['cache_hit'] = True; rec['cache_key'] = 'k' * 64
                else:
                    rec['attempts'] = attempts
                if tn.startswith('train') or evil:
                    mname = (X if evil else ('%s-%s' % (pname, tn[6:])))
                    acc = 0.80 + 0.02 * i + (0.01 if 'xgb' in tn else 0)
                    rec['metrics'] = {'accuracy': acc, 'f1': acc - 0.05} if not evil else {X: 0.5, J: 0.25}
                    rec['metric_history'] = {('loss' if not evil else X): [{'step': s, 'value': round(1.0 / (1 + s * (0.1 + 0.01 * i)), 6)} for s in range(0, 20)]}
                    rec['params'] = {'max_depth': 4 + i} if not evil else {X: J}
                    rec['tags'] = {'team': 'ds'} if not evil else {X: X}
                    data = ('model %s %d' % (tn, i)).encode()
                    rec['outputs'] = [{'path': 'model.bin' if not evil else X, 'sha256': put(data), 'size': len(data)}]
                tasks.append(rec)
            run = {'schema': 1, 'id': rid, 'pipeline': pname, 'trigger': {'kind': 'push' if i % 2 == 0 else 'schedule', 'detail': '' if not evil else X},
                   'git': {'commit': '%040x' % (n * 7919), 'branch': 'main' if not evil else X},
                   'params': {'n_estimators': 100 * (i + 1), 'data': 'data/churn.csv'} if not evil else {X: X, 'url': J},
                   'status': 'failed' if failed else 'success', 'start': ts(start), 'end': ts(start + timedelta(seconds=40)), 'tasks': tasks}
            if failed: run['error'] = 'task train_xgb failed'
            if evil: run['error'] = X
            fn = hashlib.sha256(rid.encode()).hexdigest()[:12] if evil else rid
            pdir = os.path.join(repo, 'runs', 'p%d' % len(runs) if False else hashlib.sha256(pname.encode()).hexdigest()[:8] if evil else pname)
            os.makedirs(pdir, exist_ok=True)
            json.dump(run, open(os.path.join(pdir, fn + '.json'), 'w'), indent=1)
            runs.append(run)
    # models
    def q(s): return json.dumps(s)
    models = [('churn-rf', 'churn', 'train_rf'), ('churn-xgb', 'churn', 'train_xgb')] if not evil else [('evil-model', X, 'load' + X)]
    for mname, pname, task in models:
        mdir = os.path.join(repo, 'models', mname)
        os.makedirs(mdir, exist_ok=True)
        pruns = [r for r in runs if r['pipeline'] == pname]
        for vi, r in enumerate(pruns, start=1):
            stage = 'Production' if vi == 1 else ('Staging' if vi == 2 else 'None')
            t = [x for x in r['tasks'] if x['name'] == task][0]
            desc = '' if vi != 1 else ('Random forest on **churn** data.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n' if not evil else '# hi\n\n<script>alert(4)</script>\n\n<img src=x onerror=alert(5)>\n\n[click](javascript:alert(6)) ' + X)
            lines = ['schema: 1', 'model: ' + q(mname), 'version: %d' % vi, 'stage: ' + stage,
                     'aliases: []',
                     'description: ' + q(desc), 'run: ' + q(r['id']), 'pipeline: ' + q(pname), 'task: ' + q(task),
                     'commit: ' + q(r['git']['commit']), 'artifact:', '  file: ' + q(t['outputs'][0]['path']),
                     '  sha256: ' + q(t['outputs'][0]['sha256']), '  size: %d' % t['outputs'][0]['size'], 'flavor: xgboost', 'metrics:']
            for k, v in sorted(t['metrics'].items()): lines.append('  %s: %s' % (q(k), v))
            lines.append('params:')
            for k, v in sorted(t['params'].items()): lines.append('  %s: %s' % (q(k), q(v)))
            lines.append('created: ' + q(r['end']))
            open(os.path.join(mdir, 'v%d.yaml' % vi), 'w').write('\n'.join(lines) + '\n')
    os.makedirs(os.path.join(repo, 'deployments'), exist_ok=True)
    dm = models[0][0]
    open(os.path.join(repo, 'deployments', dm + '.yaml'), 'w').write(deployment(dm, evil))
    readme = '# Churn\n\nPredicts churn.\n\n| model | metric |\n|---|---|\n| rf | f1 |\n\n<b>raw</b> html stays text.\n' if not evil else \
        '# README ' + X + '\n\n<script>alert(7)</script>\n<iframe src="javascript:alert(8)"></iframe>\n\n[x](javascript:alert(9)) <img src=x onerror=alert(10)>\n\n| ' + X + ' | b |\n|---|---|\n| 1 | 2 |\n'
    open(os.path.join(repo, 'README.md'), 'w').write(readme)

build(sys.argv[1], False)
build(sys.argv[2], True)
