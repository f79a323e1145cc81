// Courses and their funnel (started → completed → passed → certified).
import { el } from '../dom.js';
import { ctx, t } from '../i18n.js';
import { query, allowed } from '../api.js';
import { Filters } from '../filters.js';
import { Panel } from '../panel.js';
import { course as courseName } from '../fmt.js';
import { coursesPanel, funnelPanel, loadCourseNames } from '../views.js';

export default async function courses(app, loaded) {
  const extra = ctx.role === 'commune' ? { commune: ctx.commune } : {};
  const f = new Filters(app, ['year', 'quarter', 'group', 'course'], () => load());
  const grid = el('div', 'grid');
  app.append(grid);
  const funnelP = new Panel(grid, { id: 'funnel', title: t('p.funnel') });
  const courseP = new Panel(grid, { id: 'by_course', title: t('p.courses') });

  await loadCourseNames();
  if (allowed('by_course')) {
    const all = await query('by_course', extra);
    f.setCourses(all.objects.filter((x) => x.course_id).map((x) => [x.course_id, courseName(x.course_id)])
      .sort((a, b) => a[1].localeCompare(b[1], ctx.locale)));
  }

  async function load() {
    const params = f.params(extra);
    const { course, ...byCourse } = params;
    void course;
    await Promise.all([funnelPanel(funnelP, params), coursesPanel(courseP, byCourse)]);
    loaded();
  }
  await load();
}
