package vn.phananh.data

import vn.phananh.core.BoundingBox
import vn.phananh.core.FeedPage
import vn.phananh.core.WardOutlines

/** The map of reports: its markers and the ward outlines of a viewport (issue 17, item 3). */
interface MapRepository : TenantRepository {
    /** Reports inside [view] (of [category], or all), at most 100; offline from the cached feed (`fromCache`). */
    suspend fun mapReports(view: BoundingBox, category: String?): FeedPage
    /** Ward outlines meeting [view], simplified to at most [maxPoints] points; offline; null without boundaries. */
    suspend fun wardOutlines(view: BoundingBox, maxPoints: Int): WardOutlines?
}
