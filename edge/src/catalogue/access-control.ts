import type { Principal } from '../tenancy/api-keys.js';
import { isManager } from './http.js';
import type { CourseRow } from './rows.js';

/** Managers edit every course of their tenant; an instructor only the courses they teach. */
export const canEditCourse = (p: Principal, course: Pick<CourseRow, 'instructor_id'>): boolean =>
  isManager(p.role) || (p.role === 'instructor' && p.userId !== null && p.userId === course.instructor_id);

/** Unpublished courses are visible to their editors only. */
export const canSeeCourse = (p: Principal, course: Pick<CourseRow, 'instructor_id' | 'status'>): boolean =>
  course.status === 'published' || canEditCourse(p, course);
