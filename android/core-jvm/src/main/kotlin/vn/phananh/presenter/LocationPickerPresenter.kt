package vn.phananh.presenter

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import vn.phananh.ui.state.LocationPickerEvent
import vn.phananh.ui.state.LocationPickerState

/**
 * The pin-adjust screen: the user moves the map under a fixed centre pin that starts at
 * ([lat], [lon]); on confirm the screen closes and the new-report presenter gets the position
 * (its `pin`), where the core names the ward and checks it. Nothing here needs the core.
 */
class LocationPickerPresenter(lat: Double, lon: Double) : Presenter<LocationPickerState, LocationPickerEvent> {
    private val start = LocationPickerState(lat, lon, metersPerDp = 0.8)
    private val _state = MutableStateFlow(start)
    override val state: StateFlow<LocationPickerState> = _state.asStateFlow()

    override fun onEvent(event: LocationPickerEvent) {
        when (event) {
            is LocationPickerEvent.MovePin -> _state.update { if (it.confirmed) it else it.copy(lat = event.lat, lon = event.lon) }
            LocationPickerEvent.RecenterOnDevice -> _state.update { if (it.confirmed) it else it.copy(lat = start.lat, lon = start.lon) }
            LocationPickerEvent.Confirm -> _state.update { it.copy(confirmed = true) }
            is LocationPickerEvent.Shell -> Unit
        }
    }
}
