#pragma once
namespace recovery { enum class ScreenExit { back, reboot, power_off, signal }; }
