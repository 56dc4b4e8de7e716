package vn.phananh.data

import vn.phananh.core.NoticesAt

/** The province's official notices (issue 13). */
interface NoticesRepository {
    /** Notices valid now covering the point (province-wide ones without a point); the phone's copy offline. */
    suspend fun noticesAt(lat: Double?, lon: Double?): NoticesAt
}
