// glibc's malloc tuning (mallopt and its parameters), which Swift's Glibc module does not bring in.
#include <malloc.h>
