"""The chat's logic, without Gradio: shared components loaded lazily, one pure step per user action. app.py only
lays out widgets and wires events to these functions."""
