<?php echo 'ran'; // STATIC-TEST-SOURCE-MARKER
