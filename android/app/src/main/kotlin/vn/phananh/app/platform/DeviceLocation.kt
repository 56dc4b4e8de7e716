package vn.phananh.app.platform

import android.annotation.SuppressLint
import android.content.Context
import android.location.Location
import android.location.LocationManager
import android.os.CancellationSignal
import androidx.core.content.ContextCompat
import androidx.core.location.LocationManagerCompat
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import java.time.Instant
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.tasks.await
import kotlinx.coroutines.withTimeoutOrNull
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.data.runCatchingExceptions

/**
 * Where the device is. The core chooses among fixes (device, photo EXIF, manual pin) and names
 * the commune/ward; the platform only measures. Callers hold the location permission.
 */
interface DeviceLocationProvider {
    /** A fresh fix, or null if none came within [timeoutMs]. */
    suspend fun currentFix(timeoutMs: Long): LocationFix?

    /** The last fix the system knows (may be old; the core flags stale fixes). */
    suspend fun lastKnownFix(): LocationFix?
}

internal fun Location.toFix(): LocationFix = LocationFix(
    lat = latitude,
    lon = longitude,
    accuracyM = if (hasAccuracy()) accuracy.toDouble() else null,
    altitudeM = if (hasAltitude()) altitude else null,
    time = Instant.ofEpochMilli(time),
    source = if (provider == LocationManager.NETWORK_PROVIDER) LocationSource.NETWORK else LocationSource.DEVICE_GPS,
)

/** Google Play services' fused provider: fast and frugal where Play services exist. */
class FusedLocationProvider(context: Context) : DeviceLocationProvider {
    private val client = LocationServices.getFusedLocationProviderClient(context)

    @SuppressLint("MissingPermission")
    override suspend fun currentFix(timeoutMs: Long): LocationFix? {
        val cancel = CancellationTokenSource()
        return try {
            withTimeoutOrNull(timeoutMs) {
                client.getCurrentLocation(Priority.PRIORITY_HIGH_ACCURACY, cancel.token).await()?.toFix()
            }
        } finally {
            cancel.cancel()
        }
    }

    @SuppressLint("MissingPermission")
    override suspend fun lastKnownFix(): LocationFix? = client.lastLocation.await()?.toFix()
}

/** The platform LocationManager: for phones without Play services (some sold in Vietnam). */
class PlatformLocationProvider(private val context: Context) : DeviceLocationProvider {
    private val manager = context.getSystemService(LocationManager::class.java)

    @SuppressLint("MissingPermission")
    override suspend fun currentFix(timeoutMs: Long): LocationFix? {
        val provider = when {
            manager.isProviderEnabled(LocationManager.GPS_PROVIDER) -> LocationManager.GPS_PROVIDER
            manager.isProviderEnabled(LocationManager.NETWORK_PROVIDER) -> LocationManager.NETWORK_PROVIDER
            else -> return null
        }
        return withTimeoutOrNull(timeoutMs) {
            suspendCancellableCoroutine { cont ->
                val signal = CancellationSignal()
                cont.invokeOnCancellation { signal.cancel() }
                LocationManagerCompat.getCurrentLocation(manager, provider, signal, ContextCompat.getMainExecutor(context)) { location ->
                    cont.resume(location?.toFix())
                }
            }
        }
    }

    @SuppressLint("MissingPermission")
    override suspend fun lastKnownFix(): LocationFix? =
        listOf(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
            .mapNotNull { runCatching { manager.getLastKnownLocation(it) }.getOrNull() }
            .maxByOrNull { it.time }?.toFix()
}

/** Fused where it works, the platform provider otherwise (no Play services, or it fails). */
class FallbackLocationProvider(
    private val primary: DeviceLocationProvider,
    private val fallback: DeviceLocationProvider,
) : DeviceLocationProvider {
    override suspend fun currentFix(timeoutMs: Long): LocationFix? =
        runCatchingExceptions { primary.currentFix(timeoutMs) }.getOrNull() ?: fallback.currentFix(timeoutMs)

    override suspend fun lastKnownFix(): LocationFix? =
        runCatchingExceptions { primary.lastKnownFix() }.getOrNull() ?: fallback.lastKnownFix()
}

fun defaultLocationProvider(context: Context): DeviceLocationProvider =
    FallbackLocationProvider(FusedLocationProvider(context), PlatformLocationProvider(context))

