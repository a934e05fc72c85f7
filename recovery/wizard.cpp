#include "recovery/wizard.hpp"

namespace recovery {

int run_wizard() { return 0; }

}  // namespace recovery
