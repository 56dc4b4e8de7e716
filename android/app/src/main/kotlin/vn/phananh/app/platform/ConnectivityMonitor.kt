package vn.phananh.app.platform

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities

/**
 * Tells the core whether there is a usable network and whether it is metered (videos may wait
 * for Wi-Fi), and asks for a sync when the network comes back.
 */
class ConnectivityMonitor(
    context: Context,
    private val onChange: (online: Boolean, metered: Boolean) -> Unit,
) {
    private val manager = context.getSystemService(ConnectivityManager::class.java)

    private val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onCapabilitiesChanged(network: Network, caps: NetworkCapabilities) {
            val online = caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET) &&
                caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_VALIDATED)
            val metered = !caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED)
            onChange(online, metered)
        }

        override fun onLost(network: Network) = onChange(false, true)
    }

    fun start() {
        val caps = manager.activeNetwork?.let { manager.getNetworkCapabilities(it) }
        if (caps == null) onChange(false, true)
        manager.registerDefaultNetworkCallback(callback)
    }

    fun stop() = manager.unregisterNetworkCallback(callback)
}
