// SaaS: the cockpit's organizations (newest first, keyset pages) with their member count, plan
// and subscription status, and the plans with their features and how many organizations are on
// each; #/cockpit/orgs/:id is one organization's members and subscription. Shown in the nav
// when the overview says SaaS is on.
import { api } from './api.js';
import { badge, clear, el, link, problem, setHashQuery, shortId, table, time } from './dom.js';

const kLimit = 50;
const orgHref = (id) => `#/cockpit/orgs/${encodeURIComponent(id)}`;
const price = (cents, interval) => (cents ? `${(cents / 100).toFixed(2)} / ${interval}` : 'free');
const feature = (f) => el('span', { class: 'chip' }, f.limit === undefined || f.limit === null ? f.key : `${f.key}: ${f.limit}`);

export function render(view, { params, query }) {
  return params[0] ? renderOrg(view, params[0]) : renderList(view, query);
}

function renderList(view, query) {
  let alive = true;
  const orgs = el('div', { class: 'orgs', 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  const pager = el('div', { class: 'pager' });
  const plans = el('div', { class: 'plans', 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  view.append(el('h1', {}, 'SaaS'),
    el('section', { 'aria-labelledby': 'h-orgs', class: 'panel' }, el('h2', { id: 'h-orgs' }, 'Organizations'), orgs, pager),
    el('section', { 'aria-labelledby': 'h-plans', class: 'panel' }, el('h2', { id: 'h-plans' }, 'Plans'), plans));

  const orgColumns = [
    { label: 'Organization', cell: (o) => link(orgHref(o.id), o.name, { class: 'org-link' }) },
    { label: 'Slug', cell: (o) => el('span', { class: 'mono' }, o.slug) },
    { label: 'Members', class: 'num', cell: (o) => String(o.members) },
    { label: 'Plan', cell: (o) => o.plan || '—' },
    { label: 'Status', cell: (o) => (o.status ? badge(o.status) : '—') },
    { label: 'Created', cell: (o) => time(o.createdAt) },
  ];
  const planColumns = [
    { label: 'Plan', cell: (p) => [el('strong', {}, p.name), ' ', el('span', { class: 'muted mono' }, p.key)] },
    { label: 'Price', cell: (p) => price(p.priceCents, p.interval) },
    { label: 'Trial', class: 'num', cell: (p) => (p.trialDays ? `${p.trialDays} days` : '—') },
    { label: 'Features', cell: (p) => (p.features.length ? p.features.map(feature) : '—') },
    { label: 'Organizations', class: 'num', cell: (p) => String(p.orgs) },
    { label: 'Flags', cell: (p) => [p.isDefault ? el('span', { class: 'chip' }, 'default') : null,
      p.isPublic ? null : el('span', { class: 'chip' }, 'private'), p.archivedAt ? el('span', { class: 'chip' }, 'archived') : null] },
  ];

  (async () => {
    try {
      const r = await api('/cockpit/orgs', { query: { before: query.before, limit: kLimit } });
      if (!alive) return;
      clear(orgs, table({ label: 'Organizations', columns: orgColumns, rows: r.items, empty: 'No organizations yet.',
        rowAttrs: (o) => ({ 'data-org-id': o.id, 'data-status': o.status }) }));
      orgs.dataset.ready = 'true';
      clear(pager, r.next ? el('button', { type: 'button', onclick: () => setHashQuery('/cockpit', { before: r.next }) }, 'Next page') : null);
    } catch (e) {
      if (alive) clear(orgs, problem(e));
    }
  })();
  (async () => {
    try {
      const r = await api('/cockpit/plans');
      if (!alive) return;
      clear(plans, table({ label: 'Plans', columns: planColumns, rows: r.items, empty: 'No plans.',
        rowAttrs: (p) => ({ 'data-plan': p.key }) }));
      plans.dataset.ready = 'true';
    } catch (e) {
      if (alive) clear(plans, problem(e));
    }
  })();
  return () => { alive = false; };
}

function renderOrg(view, id) {
  let alive = true;
  const head = el('h1', {}, 'Organization ', el('span', { class: 'mono muted' }, shortId(id)));
  const body = el('div', { class: 'org', 'data-ready': 'false' }, el('p', { class: 'muted' }, 'Loading…'));
  view.append(el('p', {}, link('#/cockpit', '← SaaS')), head, body);

  const memberColumns = [
    { label: 'Name', cell: (m) => m.name },
    { label: 'Email', cell: (m) => m.email },
    { label: 'Role', cell: (m) => el('span', { class: 'chip' }, m.role) },
    { label: 'Joined', cell: (m) => time(m.joinedAt) },
  ];

  (async () => {
    try {
      const d = await api(`/cockpit/orgs/${encodeURIComponent(id)}`);
      if (!alive) return;
      clear(head, d.org.name, ' ', el('span', { class: 'mono muted' }, d.org.slug));
      const s = d.subscription;
      const fact = (label, value) => [el('dt', {}, label), el('dd', {}, value ?? '—')];
      clear(body,
        el('section', { 'aria-labelledby': 'h-subscription', class: 'panel' }, el('h2', { id: 'h-subscription' }, 'Subscription'),
          s ? el('dl', { class: 'facts' },
            fact('Plan', `${s.planName} (${s.plan})`),
            fact('Status', badge(s.status)),
            fact('Trial ends', s.trialEndsAt ? time(s.trialEndsAt) : null),
            fact('Period ends', s.currentPeriodEnd ? time(s.currentPeriodEnd) : null),
            fact('Cancels at period end', s.cancelAtPeriodEnd ? 'yes' : 'no'),
            s.pendingPlan ? fact('Changes to', s.pendingPlan) : null,
            s.canceledAt ? fact('Canceled', time(s.canceledAt)) : null,
            fact('Billing', s.provider))
            : el('p', { class: 'muted' }, 'No subscription.')),
        el('section', { 'aria-labelledby': 'h-members', class: 'panel' }, el('h2', { id: 'h-members' }, `Members (${d.members.length})`),
          table({ label: 'Members', columns: memberColumns, rows: d.members, empty: 'No members.',
            rowAttrs: (m) => ({ 'data-user-id': m.userId }) })));
      body.dataset.ready = 'true';
    } catch (e) {
      if (alive) clear(body, problem(e));
    }
  })();
  return () => { alive = false; };
}
